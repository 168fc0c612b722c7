package dev.nalloc.core.heap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Supplier;

/**
 * A bounded set of heaps shared by the threads that get no heap of their own (by default virtual
 * threads; see {@link dev.nalloc.spi.HeapSelectionPolicy}). Each shared heap has thread data of its
 * own (segments, span queues, counters) that belongs to no thread: a caller holds a heap for the
 * length of one operation, taking it with one compare-and-set and handing it back with one release
 * store, so the heap has one user at a time and every user sees what the previous one wrote. A
 * busy heap is skipped, never waited for; only when every heap is busy does the caller yield and
 * try again (a holder never blocks inside the allocator, so that is brief).
 *
 * <p>Segments of shared heaps have no owner thread, so every free of their blocks takes the remote
 * path (one compare-and-set on the page) and the next holder collects it. A million virtual threads
 * thus share {@code count} heaps' pages instead of owning a million sets of pages.
 */
public final class SharedHeaps {

    private static final VarHandle HOLDER;

    static {
        try {
            HOLDER = MethodHandles.lookup().findVarHandle(Stripe.class, "holder", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One shared heap and who holds it. */
    static final class Stripe {
        final LocalHeap heap;
        @SuppressWarnings("unused") // accessed through HOLDER
        volatile Thread holder;

        Stripe(LocalHeap heap) {
            this.heap = heap;
        }
    }

    private final Stripe[] stripes;

    /**
     * @param count   the number of shared heaps (at least 1)
     * @param newData makes thread data that belongs to no thread
     */
    public SharedHeaps(int count, Supplier<ThreadData> newData) {
        if (count < 1) {
            throw new IllegalArgumentException("nalloc: at least one shared heap is needed, not " + count);
        }
        stripes = new Stripe[count];
        for (int i = 0; i < count; i++) {
            ThreadData tld = newData.get();
            tld.sharedIndex = i;
            stripes[i] = new Stripe(LocalHeap.newDefault(tld));
        }
    }

    /** The number of shared heaps. */
    public int count() {
        return stripes.length;
    }

    /**
     * Takes a shared heap for the calling thread, starting at {@code start} (the policy's choice) and
     * going round; hand it back with {@link #release}.
     */
    public LocalHeap acquire(int start) {
        Thread me = Thread.currentThread();
        int n = stripes.length;
        int first = Math.floorMod(start, n);
        for (int round = 0; ; round++) {
            for (int i = 0; i < n; i++) {
                Stripe s = stripes[(first + i) % n];
                if (s.holder == null && HOLDER.compareAndSet(s, null, me)) {
                    return s.heap;
                }
            }
            if (round < 3) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Hands back a heap taken with {@link #acquire} (or {@link #tryAcquire}). */
    public void release(LocalHeap heap) {
        HOLDER.setRelease(stripes[heap.tld.sharedIndex], (Thread) null);
    }

    /** Takes shared heap {@code i} if it is free, else returns null. */
    public LocalHeap tryAcquire(int i) {
        Stripe s = stripes[i];
        return s.holder == null && HOLDER.compareAndSet(s, null, Thread.currentThread()) ? s.heap : null;
    }

    /**
     * Collects every shared heap that is free right now (busy ones are skipped: their holder
     * collects them on its own slow path).
     *
     * @return the heaps collected
     */
    public int collect(boolean force) {
        int done = 0;
        for (int i = 0; i < stripes.length; i++) {
            LocalHeap h = tryAcquire(i);
            if (h != null) {
                try {
                    h.collect(force);
                    done++;
                } finally {
                    release(h);
                }
            }
        }
        return done;
    }

    /** The data of shared heap {@code i} (statistics: racy reads of counters). */
    public ThreadData data(int i) {
        return stripes[i].heap.tld;
    }
}
