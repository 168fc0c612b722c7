package dev.nalloc.core.os;

import dev.nalloc.spi.OsPrimitives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;

/**
 * The reservations of a closed instance: their contents are dropped at close (they stay mapped and
 * accessible, see {@link OsPrimitives#discard}) and they are freed here once the instance is
 * unreachable, when no thread can be inside one of its calls any more. The cleaning action of the
 * instance's {@link Cleaner} registration: it holds the OS layer and the ranges, never the instance.
 */
final class RetiredMemory implements Runnable {

    /** Made on the first message: SLF4J (and its binding) starts only when something is logged. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("dev.nalloc");
    }

    /** One cleaner thread for every instance of the process (made on first use). */
    private static final class Holder {
        static final Cleaner CLEANER = Cleaner.create(r -> {
            Thread t = new Thread(r, "nalloc-retired-memory");
            t.setDaemon(true);
            return t;
        });
    }

    private final OsPrimitives os;
    /** Pairs of address and size, in the order retired. */
    private final List<long[]> ranges = new ArrayList<>();
    private boolean freed;

    RetiredMemory(OsPrimitives os) {
        this.os = os;
    }

    /** Run after the ranges are freed (the instance's fast-path salt): holds nothing of the instance. */
    private Runnable also = () -> { };

    /** Frees the ranges retired by {@code owner}'s OS memory once {@code owner} is unreachable, then runs {@code also}. */
    void freeWhenUnreachable(Object owner, Runnable also) {
        this.also = also;
        Holder.CLEANER.register(owner, this);
    }

    /** A range to free once the instance is unreachable; false when that has happened already. */
    synchronized boolean add(long address, long size) {
        if (freed) {
            return false;
        }
        ranges.add(new long[]{address, size});
        return true;
    }

    /** Bytes waiting to be freed. */
    synchronized long bytes() {
        long sum = 0;
        for (long[] r : ranges) {
            sum += r[1];
        }
        return sum;
    }

    /**
     * Frees every range (the cleaner's thread). A failure is not retried: the layer was asked once,
     * as for any other release; an exception from it ends nothing but that one range.
     */
    @Override
    public void run() {
        List<long[]> all;
        synchronized (this) {
            freed = true;
            all = List.copyOf(ranges);
            ranges.clear();
        }
        for (long[] r : all) {
            String failure;
            try {
                int error = os.free(r[0], r[1]);
                failure = error == 0 ? null : os.describeError(error);
            } catch (RuntimeException e) {
                failure = "the OS layer threw " + e;
            }
            if (failure != null) { // no handler to report to: the instance is gone; the range stays mapped
                Log.LOG.warn("nalloc: OS failure: could not release {} bytes at 0x{} of a closed instance: {}",
                        r[1], Long.toHexString(r[0]), failure);
            }
        }
        also.run();
    }
}
