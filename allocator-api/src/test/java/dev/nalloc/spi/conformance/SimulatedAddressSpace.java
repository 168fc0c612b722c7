package dev.nalloc.spi.conformance;

import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/**
 * Page arithmetic and placement for a simulated kernel over a {@link SparseMemory}: page indexes
 * for addresses and back, range checks and walks, and next-fit search for a free run of pages. The kernel keeps its own
 * page table (what "in use" means is its business) and passes it in as a predicate over page
 * indexes. Not thread-safe: a simulated kernel serializes its calls.
 */
public final class SimulatedAddressSpace {

    private final long base;
    private final long capacity;
    private final long pageSize;
    private final int pageShift;
    private long cursor;

    /**
     * @param memory      the memory the kernel hands out
     * @param pageSize    the simulated page size, a power of two
     * @param firstOffset where the search starts, from {@code memory.base()}: away from the base so
     *                    that the first addresses are not aligned to everything by accident
     * @throws IllegalArgumentException when the page size is not a power of two or the offset is outside
     */
    public SimulatedAddressSpace(SparseMemory memory, long pageSize, long firstOffset) {
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size " + pageSize + " is not a power of two");
        }
        if (firstOffset < 0 || firstOffset >= memory.capacity()) {
            throw new IllegalArgumentException("first offset " + firstOffset + " is outside the memory");
        }
        this.base = memory.base();
        this.capacity = memory.capacity();
        this.pageSize = pageSize;
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
        this.cursor = firstOffset;
    }

    /** How many pages the memory holds. */
    public int pageCount() {
        return Math.toIntExact(capacity >>> pageShift);
    }

    /** The index of the page holding {@code address} (an address inside the memory). */
    public int pageIndex(long address) {
        return (int) ((address - base) >>> pageShift);
    }

    /** The address of page {@code index}. */
    public long addressOf(int index) {
        return base + ((long) index << pageShift);
    }

    /** Whether {@code [address, address + size)} lies inside the memory ({@code size} not negative). */
    public boolean inside(long address, long size) {
        return address >= base && size >= 0 && size <= capacity && address - base <= capacity - size;
    }

    /** Runs {@code action} on the index of every page of {@code [address, address + size)}, lowest first. */
    public void forPages(long address, long size, IntConsumer action) {
        int first = pageIndex(address);
        int count = (int) (size >> pageShift); // none for a negative size
        for (int i = first; i < first + count; i++) {
            action.accept(i);
        }
    }

    /**
     * The address of the highest page of {@code [address, address + size)} whose index passes
     * {@code test}, or -1 when none does. The range is whole pages inside the memory.
     */
    public long lastPageWhere(long address, long size, IntPredicate test) {
        int first = pageIndex(address);
        int count = (int) (size >> pageShift); // none for a negative size
        for (int i = first + count - 1; i >= first; i--) {
            if (test.test(i)) {
                return addressOf(i);
            }
        }
        return -1;
    }

    /**
     * Next fit: the lowest {@code alignment}-aligned address from where the last search ended
     * (wrapping around once) where {@code size} bytes of pages are all free, or 0 when there is
     * none. Fresh addresses come first, so little memory needs zeroing again. {@code size} is whole
     * pages; {@code alignment} is a power of two, at least the page size.
     */
    public long findFree(long size, long alignment, IntPredicate inUse) {
        for (int pass = 0; pass < 2; pass++) {
            long offset = pass == 0 ? cursor : 0;
            long end = pass == 0 ? capacity : Math.min(capacity, cursor + size);
            offset = alignUp(base + offset, alignment) - base;
            while (offset + size <= end) {
                long used = lastPageWhere(base + offset, size, inUse);
                if (used < 0) {
                    cursor = offset + size;
                    return base + offset;
                }
                offset = alignUp(used + pageSize, alignment) - base;
            }
        }
        return 0;
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
