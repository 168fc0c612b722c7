package dev.nalloc.api;

/**
 * An area of a heap: one page of equally sized blocks (mimalloc's {@code mi_heap_area_t}).
 *
 * @param blocks        the address where the area's blocks start
 * @param reserved      bytes reserved for the area
 * @param committed     bytes committed in the area
 * @param used          live blocks in the area
 * @param blockSize     the usable size of each block
 * @param fullBlockSize the size of each block including padding and metadata
 * @param heapTag       the tag of the heap that made the page (0 for heaps made without one; see
 *                      {@link Allocator#newHeap(int, boolean, ArenaId)})
 */
public record HeapArea(long blocks, long reserved, long committed, long used, long blockSize, long fullBlockSize,
                       int heapTag) {

    /**
     * An area of an untagged heap (tag 0).
     *
     * @param blocks        the address where the area's blocks start
     * @param reserved      bytes reserved for the area
     * @param committed     bytes committed in the area
     * @param used          live blocks in the area
     * @param blockSize     the usable size of each block
     * @param fullBlockSize the size of each block including padding and metadata
     */
    public HeapArea(long blocks, long reserved, long committed, long used, long blockSize, long fullBlockSize) {
        this(blocks, reserved, committed, used, blockSize, fullBlockSize, 0);
    }
}
