package dev.nalloc.core.heap;

/**
 * An immutable (thread, default heap) pair. An allocator keeps one in a plain field as a fast
 * path around its {@code ThreadLocal}: the first thread to find the field empty claims it, and
 * from then on that thread finds its heap with one load and one comparison with
 * {@link Thread#currentThread()}. Every other thread uses the {@code ThreadLocal}, so the field is
 * written rarely (no cache-line ping-pong). Only thread {@code T} ever makes a slot naming
 * {@code T}, and the fields are final, so a racy read is always safe: a slot that names the
 * reading thread holds that thread's heap.
 */
public final class HeapSlot {

    /** The unclaimed slot: it names no thread. */
    public static final HeapSlot EMPTY = new HeapSlot(null, null);

    public final Thread thread;
    public final LocalHeap heap;

    public HeapSlot(Thread thread, LocalHeap heap) {
        this.thread = thread;
        this.heap = heap;
    }
}
