package dev.nalloc.examples.os;

import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.spi.conformance.OsPrimitivesConformance;

class MyOsConformanceTest extends OsPrimitivesConformance {
    private static final OsPrimitives OS = new MyOsPrimitives();

    @Override
    protected OsPrimitives os() {
        return OS;
    }
}
