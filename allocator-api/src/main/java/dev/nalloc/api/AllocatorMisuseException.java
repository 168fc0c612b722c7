package dev.nalloc.api;

/**
 * Thrown by the default {@link dev.nalloc.spi.ErrorHandler} when the allocator detects misuse or
 * corruption. The allocator's state is unchanged by the operation that threw.
 */
public class AllocatorMisuseException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final long address;

    public AllocatorMisuseException(ErrorKind kind, long address, String message) {
        super(message);
        this.kind = kind;
        this.address = address;
    }

    /** The kind of misuse. */
    public ErrorKind kind() {
        return kind;
    }

    /** The address involved, or 0. */
    public long address() {
        return address;
    }
}
