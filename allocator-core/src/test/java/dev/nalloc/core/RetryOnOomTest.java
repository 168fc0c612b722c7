package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.ForwardingOsPrimitives;
import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code retry_on_oom} (issue 23): an allocation that finds the OS out of memory waits that long in
 * all for memory to come back, however many times it asks the OS (arena, segment, again after a
 * forced collect): one window per allocation, not one per reservation (400 ms made a malloc wait
 * about 1.6 s). Measured as the span between the first and the last reservation the allocation
 * made, with generous bounds (0.8 to 1.9 windows): the old behaviour spans at least two windows.
 */
class RetryOnOomTest {

    private static final long RETRY_MS = 1000;

    /** The real OS layer whose reservations fail with ENOMEM while {@link #fail} is set, timed. */
    static final class NoMemory extends ForwardingOsPrimitives {
        final AtomicBoolean fail = new AtomicBoolean();
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicLong first = new AtomicLong();
        final AtomicLong last = new AtomicLong();

        NoMemory() {
            super(OsPrimitives.best());
        }

        @Override
        public String name() {
            return "no-memory";
        }

        @Override
        public int priority() {
            return -1;
        }

        private Allocation failed() {
            long now = System.nanoTime();
            if (attempts.getAndIncrement() == 0) {
                first.set(now);
            }
            last.set(now);
            return Allocation.failed(12); // ENOMEM
        }

        @Override
        public Allocation allocAligned(long size, long alignment, boolean commit, boolean large) {
            return fail.get() ? failed() : super.allocAligned(size, alignment, commit, large);
        }

        @Override
        public Allocation alloc(long hint, long size, long align, boolean commit, boolean large) {
            return fail.get() ? failed() : super.alloc(hint, size, align, commit, large);
        }

        void arm() {
            attempts.set(0);
            fail.set(true);
        }

        long spanMillis() {
            return (last.get() - first.get()) / 1_000_000L;
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aFailingAllocationWaitsOneRetryOnOomInAll(Mode mode) {
        NoMemory os = new NoMemory();
        ErrorHandler.Capturing errors = ErrorHandler.capturing();
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(mode).errorHandler(errors)
                .option(Option.ARENA_RESERVE, 64L << 20).option(Option.RETRY_ON_OOM, RETRY_MS).build()) {
            long[] filler = new long[3]; // arena room taken: each request below is one the OS must serve
            for (int i = 0; i < filler.length; i++) {
                filler[i] = a.malloc(20L << 20);
            }
            for (long size : new long[]{100_000_000L, 64L << 20}) {
                os.arm();
                long p = a.malloc(size);
                os.fail.set(false);
                assertEquals(0, p);
                assertEquals(ErrorKind.OUT_OF_MEMORY, errors.last().kind());
                long span = os.spanMillis();
                assertTrue(os.attempts.get() >= 2, size + " B: retried (" + os.attempts.get() + " attempts)");
                assertTrue(span >= RETRY_MS * 8 / 10 && span < RETRY_MS * 19 / 10, mode + ", " + size + " B: the reservations spanned "
                        + span + " ms (" + os.attempts.get() + " attempts) for retry_on_oom=" + RETRY_MS);
            }
            long p = a.malloc(100); // memory again: no wait left over
            assertNotEquals(0, p);
            a.free(p);
            for (long f : filler) {
                a.free(f);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aThreadWithoutASegmentWaitsOneRetryOnOomForItsFirstBlock(Mode mode) throws Exception {
        NoMemory os = new NoMemory();
        try (Allocator a = Allocator.builder().os(os).readEnvironment(false).mode(mode).errorHandler(ErrorHandler.capturing())
                .option(Option.DISALLOW_ARENA_ALLOC, 1).option(Option.RETRY_ON_OOM, RETRY_MS).build()) {
            long[] got = {-1};
            os.arm();
            TestThreads.runOnNewThread(() -> got[0] = a.malloc(8)); // its first segment: an arena-less reservation
            os.fail.set(false);
            assertEquals(0, got[0]);
            long span = os.spanMillis();
            assertTrue(span >= RETRY_MS * 8 / 10 && span < RETRY_MS * 19 / 10,
                    mode + ": the reservations spanned " + span + " ms (" + os.attempts.get() + " attempts)");
        }
    }
}
