package dev.nalloc.bench.workload;

import dev.nalloc.bench.peer.AllocatorUnderTest;
import dev.nalloc.bench.peer.Peers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every workload, tiny, against glibc: it completes, counts its operations and takes time. */
class WorkloadsWithGlibcTest {

    static List<String> names() {
        return Workloads.all().stream().map(Workload::name).toList();
    }

    @ParameterizedTest
    @MethodSource("names")
    void runsAndReportsItsWork(String name) {
        Workload workload = Workloads.named(name);
        try (AllocatorUnderTest glibc = Peers.open("glibc")) {
            WorkloadResult result = workload.run(glibc, TinySettings.of(name));
            assertTrue(result.operations() > 0, "operations of " + name);
            assertTrue(result.elapsedNanos() > 0, "time of " + name);
            assertTrue(Double.isFinite(result.nanosPerOperation()));
        }
    }

    @Test
    void catalogHasAllTwelveMimallocBenchPortsWithUniqueNames() {
        assertEquals(List.of("larson", "larson-sized", "mstress", "xmalloc-test", "cache-scratch", "cache-thrash",
                "alloc-test", "glibc-simple", "glibc-thread", "rptest", "malloc-large", "mleak"), names());
        names().forEach(n -> assertTrue(TinySettings.covers(n), "tiny settings for " + n));
    }

    @Test
    void unknownWorkloadNamesTheKnownOnes() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.NoSuchElementException.class,
                () -> Workloads.named("espresso"));
        assertTrue(e.getMessage().startsWith("unknown workload 'espresso'; known: [larson, "), e.getMessage());
    }

    @Test
    void timedWorkloadsStopNearTheirDuration() {
        try (AllocatorUnderTest glibc = Peers.open("glibc")) {
            WorkloadResult r = new GlibcThread().run(glibc, TinySettings.of("glibc-thread").with("seconds", "0.2"));
            assertTrue(r.seconds() >= 0.2 && r.seconds() < 2.0, "elapsed " + r.seconds());
        }
    }
}
