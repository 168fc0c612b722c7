package dev.nalloc.api;

/** Called by {@link Heap#visitBlocks(boolean, HeapVisitor)}. */
@FunctionalInterface
public interface HeapVisitor {

    /**
     * Visits one area, or one live block of it.
     *
     * @param area      the area (page) being visited
     * @param block     0 for the call that announces the area, otherwise the address of a live block
     * @param blockSize the size of the area's blocks
     * @return {@code false} to stop the visit
     */
    boolean visit(HeapArea area, long block, long blockSize);
}
