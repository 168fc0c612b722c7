package dev.nalloc.spi.conformance;

import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

import java.util.Objects;
import java.util.function.Function;

/**
 * The conformance suite for an OS layer over a simulated kernel whose memory is real memory of this
 * JVM (a {@link SparseMemory}, say): one kernel and one layer per test class, the kernel closed
 * after the class's last test. The child-JVM protection check is off, since the child would load
 * the real provider, which is unsupported where the kernel is simulated.
 *
 * <pre>{@code
 * class SimulatedMyOsConformanceTest extends SimulatedKernelConformance<MySimulatedKernel> {
 *     SimulatedMyOsConformanceTest() {
 *         super(new MySimulatedKernel(), kernel -> new MyOsPrimitives(new Platform("MyOS", "amd64"), kernel));
 *     }
 * }
 * }</pre>
 *
 * <p>A kernel that reports the host's resident size through {@link HostProcess} answers the
 * resident-set check truthfully only where the host has {@code /proc} (Linux).
 *
 * @param <K> the simulated kernel
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SimulatedKernelConformance<K extends AutoCloseable> extends OsPrimitivesConformance {

    private final K kernel;
    private final OsPrimitives os;

    /**
     * @param kernel  the simulated kernel, closed after the last test
     * @param layerOn the OS layer under test, made over the kernel
     */
    protected SimulatedKernelConformance(K kernel, Function<? super K, ? extends OsPrimitives> layerOn) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.os = Objects.requireNonNull(layerOn.apply(kernel), "layer");
    }

    /** The simulated kernel under the layer. */
    protected final K kernel() {
        return kernel;
    }

    @Override
    protected final OsPrimitives os() {
        return os;
    }

    @Override
    protected boolean canRunChildJvm() {
        return false;
    }

    @AfterAll
    void closeKernel() throws Exception {
        kernel.close();
    }
}
