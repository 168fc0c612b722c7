package dev.nalloc.api;

/**
 * The stable kind of every misuse or corruption the allocator detects. Each has a stable message
 * prefix: reports read {@code "<prefix>: <details>"}.
 */
public enum ErrorKind {
    /** Free (or realloc, usableSize) of an address this allocator never returned. */
    INVALID_FREE("nalloc: invalid free"),
    /** Free of an address inside a block that is not the block's start. */
    UNALIGNED_FREE("nalloc: unaligned free"),
    /** Free of a block that is already free. */
    DOUBLE_FREE("nalloc: double free"),
    /** Bytes written past the requested size of a block. */
    BUFFER_OVERFLOW("nalloc: buffer overflow"),
    /** A free list whose links are not valid (use after free, wild write). */
    FREE_LIST_CORRUPTION("nalloc: free list corrupted"),
    /** The OS refused or failed a memory operation. */
    OS_FAILURE("nalloc: OS failure"),
    /** Memory could not be had. */
    OUT_OF_MEMORY("nalloc: out of memory"),
    /** An internal invariant does not hold (checked mode assertions). */
    ASSERTION("nalloc: assertion failed"),
    /**
     * Leak detection: an instance closed, or a heap was destroyed, with recorded blocks still live
     * (the message lists them by allocation site). Not misuse: the default handler lets it pass
     * (the engine has logged it as a warning already); {@link dev.nalloc.spi.ErrorHandler#throwing()}
     * throws it once the close or destroy is complete, which fails a test that leaks.
     */
    LEAK("nalloc: leak");

    private final String prefix;

    ErrorKind(String prefix) {
        this.prefix = prefix;
    }

    /** {@return the stable message prefix, e.g. {@code "nalloc: double free"}} */
    public String prefix() {
        return prefix;
    }

    /** {@return true for misuse of the API by the caller (as opposed to OS failures and out of memory)} */
    public boolean isMisuse() {
        return this != OS_FAILURE && this != OUT_OF_MEMORY && this != LEAK;
    }

    /**
     * {@return the full message: the prefix, {@code ": "} and the details}
     *
     * @param details what happened; null or empty for the prefix alone
     */
    public String message(String details) {
        return details == null || details.isEmpty() ? prefix : prefix + ": " + details;
    }
}
