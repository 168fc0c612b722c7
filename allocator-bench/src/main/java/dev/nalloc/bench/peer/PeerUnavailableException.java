package dev.nalloc.bench.peer;

/** A peer cannot run here; the message is the one line that says why and how to fix it. */
public final class PeerUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PeerUnavailableException(String skipLine) {
        super(skipLine);
    }

    public PeerUnavailableException(String skipLine, Throwable cause) {
        super(skipLine, cause);
    }
}
