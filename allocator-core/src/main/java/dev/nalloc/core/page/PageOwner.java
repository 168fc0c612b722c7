package dev.nalloc.core.page;

import dev.nalloc.core.memory.Mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a page knows of the heap that owns it (the heap package's {@code LocalHeap} is the one
 * kind): the heap's tag, and its delayed-free list (mimalloc's {@code heap->thread_delayed_free}),
 * where other threads push the blocks they free into the heap's full pages. Here, below the heap,
 * so that the page layer never names the heap layer.
 */
public abstract class PageOwner {

    private static final VarHandle DELAYED_FREE;

    static {
        try {
            DELAYED_FREE = MethodHandles.lookup().findVarHandle(PageOwner.class, "delayedFree", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Head of the delayed-free list, linked through the blocks' first words (plain links). */
    @SuppressWarnings("unused") // accessed through DELAYED_FREE
    private volatile long delayedFree;

    /**
     * Links found broken while this heap's encoded pages were popped (see
     * {@link EncodedPage#popEncoded}; owner thread). A mode allocator compares it around an
     * allocation to learn, without looking the page up, that the block it got must be reported.
     * Plain: {@link #brokenLinks()}.
     */
    long brokenLinks;

    /** Links found broken while this heap's encoded pages were popped; a plain read (owner thread). */
    public final long brokenLinks() {
        return brokenLinks;
    }

    /** The heap's tag (mimalloc's {@code heap->tag}): its pages carry it; 0 for untagged heaps. */
    public abstract int tag();

    /** Pushes a block freed by another thread into a full page of this heap (any thread; CAS). */
    public final void casPushDelayedFree(long block) {
        long head;
        do {
            head = (long) DELAYED_FREE.getVolatile(this);
            Mem.store(block, head);
        } while (!DELAYED_FREE.weakCompareAndSet(this, head, block));
    }

    /** True when the delayed-free list may hold a block (acquire read; owner thread). */
    public final boolean hasDelayedFreeAcquire() {
        return (long) DELAYED_FREE.getAcquire(this) != 0;
    }

    /** Takes the whole delayed-free list (atomic swap with 0); 0 when empty. */
    public final long getAndClearDelayedFree() {
        return (long) DELAYED_FREE.getAndSet(this, 0L);
    }
}
