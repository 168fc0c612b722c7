package dev.nalloc.spi;

import dev.nalloc.spi.conformance.OsPrimitivesConformance;
import org.junit.jupiter.api.Nested;

/**
 * Runs the conformance suite against the simulated OS, with and without partial free: the suite
 * itself must work for simulated kernels (no memory access, no child JVM).
 */
class FakeOsConformanceTest {

    @Nested
    class WithPartialFree extends OsPrimitivesConformance {
        private final OsPrimitives os = new FakeOsPrimitives(4096, true);

        @Override
        protected OsPrimitives os() {
            return os;
        }

        @Override
        protected boolean realMemory() {
            return false;
        }
    }

    @Nested
    class WithoutPartialFreeAnd64KiBGranularity extends OsPrimitivesConformance {
        private final OsPrimitives os = new FakeOsPrimitives(64 * 1024, false);

        @Override
        protected OsPrimitives os() {
            return os;
        }

        @Override
        protected boolean realMemory() {
            return false;
        }
    }
}
