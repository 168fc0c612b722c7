package dev.nalloc.os.linux;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.conformance.OsPrimitivesConformance;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The conformance suite against the real kernel. */
@EnabledOnOs(OS.LINUX)
class LinuxConformanceTest extends OsPrimitivesConformance {

    private static final OsPrimitives LINUX = new LinuxOsPrimitives();

    @Override
    protected OsPrimitives os() {
        return LINUX;
    }
}
