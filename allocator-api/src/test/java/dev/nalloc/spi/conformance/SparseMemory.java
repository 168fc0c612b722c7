package dev.nalloc.spi.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Real memory for a simulated kernel: one large mapping of a sparse temporary file, taken once.
 * Pages cost nothing until touched, so the simulation can hand out gigabytes of address space
 * whose bytes are really readable and writable by this process. The usable range starts at a
 * 1 GiB boundary so that the simulation can honour any alignment the OS layer asks for.
 *
 * <p>The backing file lives in {@code /dev/shm} where there is one, else in {@code java.io.tmpdir};
 * it is deleted at once and the pages go back to the OS on {@link #close()}.
 */
public final class SparseMemory implements AutoCloseable {

    /** Where the usable range starts: a multiple of this. */
    public static final long ALIGNMENT = 1L << 30;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment usable;

    /**
     * Maps {@code capacity} bytes of usable memory (plus {@link #ALIGNMENT} of slack, never touched).
     *
     * @throws java.io.UncheckedIOException when the backing file cannot be created or mapped
     */
    public SparseMemory(long capacity) {
        Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        try {
            Path file = Files.createTempFile(dir, "nalloc-sim-", ".mem");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.SPARSE, StandardOpenOption.DELETE_ON_CLOSE)) {
                MemorySegment whole = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity + ALIGNMENT, arena);
                long start = (whole.address() + ALIGNMENT - 1) & -ALIGNMENT;
                usable = whole.asSlice(start - whole.address(), capacity);
            } finally {
                Files.deleteIfExists(file); // the mapping keeps the pages alive
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The address of the first usable byte, a multiple of {@link #ALIGNMENT}. */
    public long base() {
        return usable.address();
    }

    /** How many bytes are usable from {@link #base()}. */
    public long capacity() {
        return usable.byteSize();
    }

    /**
     * The {@code size} bytes at {@code address}, which must lie inside the usable range.
     *
     * @throws IndexOutOfBoundsException when they do not
     */
    public MemorySegment slice(long address, long size) {
        return usable.asSlice(address - base(), size);
    }

    /** Zeroes {@code size} bytes at an address inside the usable range. */
    public void zero(long address, long size) {
        slice(address, size).fill((byte) 0);
    }

    @Override
    public void close() {
        arena.close();
    }
}
