package dev.nalloc.bench.workload;

import java.util.List;
import java.util.NoSuchElementException;

/** The catalog of workloads, in mimalloc-bench's report order. */
public final class Workloads {

    private Workloads() {
    }

    public static List<Workload> all() {
        return List.of(new Larson(false), new Larson(true), new MStress(), new XMallocTest(),
                new CacheLocality(true), new CacheLocality(false), new AllocTest(), new GlibcSimple(),
                new GlibcThread(), new RpTest(), new MallocLarge(), new MLeak());
    }

    public static Workload named(String name) {
        return all().stream().filter(w -> w.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("unknown workload '" + name + "'; known: "
                        + all().stream().map(Workload::name).toList()));
    }
}
