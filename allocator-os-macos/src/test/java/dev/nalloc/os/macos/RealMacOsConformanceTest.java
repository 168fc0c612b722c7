package dev.nalloc.os.macos;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.conformance.OsPrimitivesConformance;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The SPI conformance suite against the real kernel, on macOS only. */
@EnabledOnOs(OS.MAC)
class RealMacOsConformanceTest extends OsPrimitivesConformance {

    private static final OsPrimitives OS_LAYER = new MacOsPrimitives();

    @Override
    protected OsPrimitives os() {
        return OS_LAYER;
    }
}
