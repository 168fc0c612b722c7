package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The engine's packages are layers: a package never depends, directly or through others, on a
 * package that depends on it. This reads the compiled classes' constant pools (every class a class
 * names: in its references, descriptors and signatures), builds the graph of package dependencies
 * and fails on any cycle that is not in {@link #KNOWN}, naming the classes that make it.
 *
 * <p>{@link #KNOWN} lists the package edges that still sit in a cycle: none since the last one
 * (page <-> segment) went in issue #20. It stays as the place to name an edge that must be
 * tolerated for a while, with the reason next to it.
 */
class PackageCyclesTest {

    private static final String ROOT = "dev/nalloc/core";

    /** Package dependencies (from -> to, relative to dev.nalloc.core; "" is dev.nalloc.core itself) still in a cycle. */
    private static final Set<String> KNOWN = Set.of();

    private static final Pattern NAME = Pattern.compile(ROOT + "(?:/[A-Za-z0-9_$]+)+");

    /** Class (internal name) -> engine classes it names. */
    private static Map<String, Set<String>> classDependencies() throws IOException, URISyntaxException {
        Path location = Path.of(NallocProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, Set<String>> deps = new TreeMap<>();
        if (Files.isDirectory(location)) {
            read(location, deps);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                read(jar.getPath("/"), deps);
            }
        }
        return deps;
    }

    private static void read(Path root, Map<String, Set<String>> deps) throws IOException {
        Path base = root.resolve(ROOT);
        try (Stream<Path> files = Files.walk(base)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                ClassModel model;
                try (InputStream in = Files.newInputStream(file)) {
                    model = ClassFile.of().parse(in.readAllBytes());
                }
                String self = model.thisClass().asInternalName();
                if (self.endsWith("/package-info")) {
                    continue;
                }
                Set<String> named = new TreeSet<>();
                for (PoolEntry entry : model.constantPool()) {
                    if (entry instanceof Utf8Entry utf8) {
                        Matcher m = NAME.matcher(utf8.stringValue());
                        while (m.find()) {
                            named.add(m.group());
                        }
                    }
                }
                named.remove(self);
                deps.put(self, named);
            }
        }
    }

    private static String packageOf(String internalName) {
        String pkg = internalName.substring(0, internalName.lastIndexOf('/'));
        return pkg.equals(ROOT) ? "" : pkg.substring(ROOT.length() + 1).replace('/', '.');
    }

    private static String shortName(String internalName) {
        return internalName.substring(ROOT.length() + 1).replace('/', '.');
    }

    private static String edge(String from, String to) {
        return (from.isEmpty() ? "core" : from) + " -> " + (to.isEmpty() ? "core" : to);
    }

    /** Package graph: from -> to -> the class dependencies that make the edge. */
    private static Map<String, Map<String, Set<String>>> packageGraph(Map<String, Set<String>> classDeps) {
        Set<String> packages = new TreeSet<>();
        for (String c : classDeps.keySet()) {
            packages.add(packageOf(c));
        }
        Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
        for (String p : packages) {
            graph.put(p, new TreeMap<>());
        }
        classDeps.forEach((from, tos) -> {
            String fp = packageOf(from);
            for (String to : tos) {
                if (!classDeps.containsKey(to)) {
                    continue; // a name that is no class of this module (cannot happen with javac's output)
                }
                String tp = packageOf(to);
                if (!tp.equals(fp)) {
                    graph.get(fp).computeIfAbsent(tp, k -> new TreeSet<>()).add(shortName(from) + " -> " + shortName(to));
                }
            }
        });
        return graph;
    }

    /** Strongly connected components of more than one package (Tarjan). */
    private static List<Set<String>> cycles(Map<String, Map<String, Set<String>>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        for (String p : graph.keySet()) {
            if (!index.containsKey(p)) {
                strongConnect(p, graph, index, low, stack, onStack, out);
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Map<String, Set<String>>> graph, Map<String, Integer> index,
                                      Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                                      List<Set<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : graph.get(v).keySet()) {
            if (!index.containsKey(w)) {
                strongConnect(w, graph, index, low, stack, onStack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                out.add(component);
            }
        }
    }

    /** A shortest path of packages from -> ... -> to inside the component (breadth first). */
    private static List<String> path(Map<String, Map<String, Set<String>>> graph, Set<String> component, String from, String to) {
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        parent.put(from, from);
        while (!queue.isEmpty()) {
            String p = queue.poll();
            if (p.equals(to)) {
                break;
            }
            for (String q : graph.get(p).keySet()) {
                if (component.contains(q) && parent.putIfAbsent(q, p) == null) {
                    queue.add(q);
                }
            }
        }
        List<String> path = new ArrayList<>();
        for (String p = to; ; p = parent.get(p)) {
            path.addFirst(p);
            if (p.equals(from)) {
                return path;
            }
        }
    }

    @Test
    void packagesFormNoNewCycle() throws Exception {
        Map<String, Map<String, Set<String>>> graph = packageGraph(classDependencies());
        assertTrue(graph.containsKey("page") && graph.containsKey("heap"), "engine classes not found: " + graph.keySet());
        StringBuilder failures = new StringBuilder();
        Set<String> inCycles = new TreeSet<>();
        for (Set<String> component : cycles(graph)) {
            for (String from : component) {
                for (Map.Entry<String, Set<String>> e : graph.get(from).entrySet()) {
                    String to = e.getKey();
                    if (!component.contains(to)) {
                        continue;
                    }
                    inCycles.add(edge(from, to));
                    if (KNOWN.contains(edge(from, to))) {
                        continue;
                    }
                    // The new edge closes a cycle back through to -> ... -> from: name the classes of every step.
                    List<String> back = path(graph, component, to, from);
                    failures.append("\npackage cycle ").append(edge(from, to));
                    for (int i = 0; i + 1 < back.size(); i++) {
                        failures.append(" -> ").append(back.get(i + 1).isEmpty() ? "core" : back.get(i + 1));
                    }
                    failures.append(":\n  ").append(edge(from, to)).append(": ").append(e.getValue());
                    for (int i = 0; i + 1 < back.size(); i++) {
                        failures.append("\n  ").append(edge(back.get(i), back.get(i + 1))).append(": ")
                                .append(graph.get(back.get(i)).get(back.get(i + 1)));
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            fail("allocator-core's packages must be layers (see docs/design-core.md); new cycles:" + failures);
        }
        Set<String> gone = new TreeSet<>(KNOWN);
        gone.removeAll(inCycles);
        if (!gone.isEmpty()) {
            // Not a failure (a change elsewhere may have just removed it): a reminder to tighten KNOWN.
            System.out.println("PackageCyclesTest: no longer in a cycle, delete from KNOWN: " + gone);
        }
    }

    /**
     * The layers as docs/design-core.md draws them, from the top: a package names only packages of
     * the layers below its own (check and leak share a layer and name neither each other).
     */
    private static final List<Set<String>> LAYERS = List.of(
            Set.of(""), Set.of("check", "leak"), Set.of("heap"), Set.of("page"), Set.of("segment"), Set.of("arena"),
            Set.of("os"), Set.of("error"), Set.of("stats"), Set.of("jfr"), Set.of("memory"));

    private static int layerOf(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void packagesUseOnlyTheLayersBelow() throws Exception {
        Map<String, Map<String, Set<String>>> graph = packageGraph(classDependencies());
        StringBuilder failures = new StringBuilder();
        graph.forEach((from, tos) -> {
            if (layerOf(from) < 0) {
                failures.append("\npackage ").append(from).append(" is in no layer: place it in LAYERS and in docs/design-core.md");
                return;
            }
            tos.forEach((to, because) -> {
                if (layerOf(to) <= layerOf(from)) {
                    failures.append("\n").append(edge(from, to)).append(" goes up or sideways: ").append(because);
                }
            });
        });
        if (!failures.isEmpty()) {
            fail("allocator-core's packages must use only the layers below them (see docs/design-core.md):" + failures);
        }
    }

    @Test
    void findsTheLayers() throws Exception {
        // The allocator sits on the heaps and the heaps on the pages: the reader must see both edges.
        Map<String, Map<String, Set<String>>> graph = packageGraph(classDependencies());
        assertTrue(graph.get("").containsKey("heap"), "core -> heap not seen: " + graph.get(""));
        assertTrue(graph.get("heap").containsKey("page"), "heap -> page not seen: " + graph.get("heap"));
        assertFalse(graph.get("os").containsKey("heap"), "os -> heap seen: " + graph.get("os"));
        // A page is a segment's span (segment.Span): the page layer names the segment layer, never back.
        assertTrue(graph.get("page").containsKey("segment"), "page -> segment not seen: " + graph.get("page"));
        assertFalse(graph.get("segment").containsKey("page"), "segment -> page seen: " + graph.get("segment"));
    }
}
