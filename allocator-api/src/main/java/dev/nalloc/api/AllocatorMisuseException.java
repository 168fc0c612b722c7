package dev.nalloc.api;

import java.util.Objects;

/**
 * Thrown by the default {@link dev.nalloc.spi.ErrorHandler} when the allocator detects misuse or
 * corruption. The allocator's state is unchanged by the operation that threw.
 */
public class AllocatorMisuseException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The kind of misuse. */
    private final ErrorKind kind;
    /** The address involved, or 0. */
    private final long address;

    /**
     * An exception for one detected misuse.
     *
     * @param kind    the kind of misuse
     * @param address the address involved, or 0
     * @param message the full message (normally {@link ErrorKind#message(String)})
     * @throws NullPointerException when {@code kind} is null
     */
    public AllocatorMisuseException(ErrorKind kind, long address, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.address = address;
    }

    /** {@return the kind of misuse} */
    public ErrorKind kind() {
        return kind;
    }

    /** {@return the address involved, or 0} */
    public long address() {
        return address;
    }
}
