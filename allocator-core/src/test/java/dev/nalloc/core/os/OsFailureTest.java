package dev.nalloc.core.os;


import dev.nalloc.api.Allocator;
import dev.nalloc.api.ErrorKind;
import dev.nalloc.api.Option;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OsFailureTest {

    private static Allocator build(FaultyOs os, ErrorHandler handler, long retryMillis) {
        return Allocator.builder().os(os).readEnvironment(false).option(Option.ARENA_RESERVE, 64L << 20)
                .option(Option.RETRY_ON_OOM, retryMillis).errorHandler(handler).build();
    }

    @Test
    void outOfMemoryReturnsZeroReportsAndThenRecovers() {
        FaultyOs os = new FaultyOs();
        ErrorHandler.Capturing captured = ErrorHandler.capturing();
        try (Allocator a = build(os, captured, 0)) {
            os.failAllocs.set(100);
            assertEquals(0, a.malloc(100));
            assertEquals(ErrorKind.OUT_OF_MEMORY, captured.last().kind());
            assertTrue(captured.last().message().startsWith("nalloc: out of memory"));
            assertThrows(OutOfMemoryError.class, () -> a.allocate(100, 8));
            assertEquals(0, a.stats().allocationCount());
            os.failAllocs.set(0);
            long p = a.malloc(100);
            assertNotEquals(0, p, "works again once the OS has memory");
            a.free(p);
        }
    }

    @Test
    void retryOnOomWaitsForMemory() {
        FaultyOs os = new FaultyOs();
        try (Allocator a = build(os, ErrorHandler.capturing(), 2_000)) {
            os.failAllocs.set(3);
            long p = a.malloc(100);
            assertNotEquals(0, p, "the reservation was retried until it succeeded");
            a.free(p);
        }
    }

    @Test
    void otherErrorsAreNotRetried() {
        FaultyOs os = new FaultyOs();
        try (Allocator a = build(os, ErrorHandler.capturing(), 60_000)) {
            os.error = 22; // EINVAL
            os.failAllocs.set(1_000_000);
            long start = System.nanoTime();
            assertEquals(0, a.malloc(100));
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "no minute-long wait for a non-OOM error");
        }
    }

    @Test
    void aFailedReleaseIsReportedAsOsFailureAndKeepsTheMemory() {
        FaultyOs os = new FaultyOs();
        ErrorHandler.Capturing captured = ErrorHandler.capturing();
        try (Allocator a = build(os, captured, 0)) {
            long huge = a.malloc(40L << 20); // over a quarter of the 64 MiB arenas: a segment straight from the OS
            long reserved = a.stats().reserved();
            os.failFrees.set(1);
            a.free(huge);
            assertEquals(ErrorKind.OS_FAILURE, captured.last().kind());
            assertTrue(captured.last().message().startsWith("nalloc: OS failure: could not release"), captured.last().message());
            assertEquals(reserved, a.stats().reserved(), "memory that could not be given back is still counted");
            a.close();
            assertEquals(0, a.stats().reserved(), "close retires what the release left");
        }
    }
}
