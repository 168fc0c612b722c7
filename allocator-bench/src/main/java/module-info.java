/**
 * Nalloc's benchmark suite: the allocators under test behind one interface
 * ({@link dev.nalloc.bench.peer}), Java ports of mimalloc-bench's workloads
 * ({@link dev.nalloc.bench.workload}), JMH microbenchmarks ({@link dev.nalloc.bench.jmh}), the
 * comparison runner ({@link dev.nalloc.bench.runner}) and its reports ({@link dev.nalloc.bench.report}).
 *
 * <p>The runner, its child JVMs and JMH run the jars on the class path (JMH's generated code and
 * forking expect it); this descriptor makes the module usable on the module path as well, e.g.
 * {@code java --enable-native-access=dev.nalloc.bench -p <jars> -m dev.nalloc.bench/dev.nalloc.bench.runner.BenchMain}.
 */
module dev.nalloc.bench {
    requires dev.nalloc.api;
    requires jdk.unsupported;
    requires java.management;
    requires java.desktop;
    requires jmh.core;
    requires io.netty.buffer;
    requires io.netty.common;
    requires org.jfree.jfreechart;
    requires com.fasterxml.jackson.databind;

    exports dev.nalloc.bench.peer;
    exports dev.nalloc.bench.memory;
    exports dev.nalloc.bench.workload;
    exports dev.nalloc.bench.report;
    exports dev.nalloc.bench.runner;
    exports dev.nalloc.bench.jmh;
    opens dev.nalloc.bench.report to com.fasterxml.jackson.databind;
}
