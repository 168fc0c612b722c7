package dev.nalloc.core.error;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.spi.ErrorHandler;

/** Sends every detected error to the configured {@link ErrorHandler} with its stable message. */
public final class Reporter {

    private final ErrorHandler handler;

    public Reporter(ErrorHandler handler) {
        this.handler = handler;
    }

    /** Reports {@code kind} at {@code address}; the handler may throw. */
    public void report(ErrorKind kind, long address, String details) {
        handler.onError(kind, address, kind.message(details));
    }

    /** An address as text for messages. */
    public static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
