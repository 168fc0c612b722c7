package dev.nalloc.spi;

import dev.nalloc.api.ErrorKind;

/** Child-JVM main for the test of {@link ErrorHandler#aborting()}: reports one error through it. */
public final class AbortingHandlerProbe {

    private AbortingHandlerProbe() {
    }

    public static void main(String[] args) {
        ErrorHandler.aborting().onError(ErrorKind.DOUBLE_FREE, 0xabc0, ErrorKind.DOUBLE_FREE.message("block 0xabc0"));
        System.out.println("probe: still running");
        System.exit(0);
    }
}
