package dev.nalloc.os.windows;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.conformance.OsPrimitivesConformance;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The SPI conformance suite against the real kernel, on Windows only. */
@EnabledOnOs(OS.WINDOWS)
class RealWindowsConformanceTest extends OsPrimitivesConformance {

    private static final OsPrimitives OS_LAYER = new WindowsOsPrimitives();

    @Override
    protected OsPrimitives os() {
        return OS_LAYER;
    }
}
