/**
 * The conformance suite for {@link dev.nalloc.spi.OsPrimitives} implementations, shipped in the
 * {@code allocator-api} test-jar.
 *
 * <p>To check your own OS layer, add the test-jar and JUnit 5 as test dependencies
 * ({@code dev.nalloc:allocator-api}, {@code <type>test-jar</type>}, {@code <classifier>tests</classifier>})
 * and extend {@link dev.nalloc.spi.conformance.OsPrimitivesConformance}:
 *
 * <pre>{@code
 * import dev.nalloc.spi.OsPrimitives;
 * import dev.nalloc.spi.conformance.OsPrimitivesConformance;
 *
 * class MyOsConformanceTest extends OsPrimitivesConformance {
 *     private static final OsPrimitives OS = new MyOsPrimitives();
 *
 *     @Override
 *     protected OsPrimitives os() {
 *         return OS;
 *     }
 *     // A simulated kernel whose addresses are not real memory also overrides:
 *     // protected boolean realMemory() { return false; }
 * }
 * }</pre>
 *
 * <p>Run the tests with native access enabled ({@code --enable-native-access=ALL-UNNAMED}, or your
 * module and {@code ALL-UNNAMED} on the module path): the suite reads and writes the memory it
 * gets through {@code MemorySegment.reinterpret}. The protection check starts a child JVM with
 * {@link dev.nalloc.spi.conformance.ProtectedAccessProbe} on this JVM's class and module path;
 * your provider must be registered for {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.nalloc.spi.OsPrimitives}) under the name it reports. Override
 * {@code canRunChildJvm()} to skip it.
 *
 * <p>Also here: {@link dev.nalloc.spi.conformance.OsProviderConformance} (registration, and the
 * refusals off the layer's own OS), {@link dev.nalloc.spi.conformance.EngineOnOsLayerConformance}
 * (an engine's workload over the layer), and for layers tested over a simulated kernel
 * {@link dev.nalloc.spi.conformance.SimulatedKernelConformance}, real memory to back it
 * ({@link dev.nalloc.spi.conformance.SparseMemory}) with page arithmetic and placement over it
 * ({@link dev.nalloc.spi.conformance.SimulatedAddressSpace}), what to report about the process
 * ({@link dev.nalloc.spi.conformance.HostProcess}) and a way to skip inherited checks a simulation
 * cannot answer ({@link dev.nalloc.spi.conformance.SkipInheritedTests}).
 */
package dev.nalloc.spi.conformance;
