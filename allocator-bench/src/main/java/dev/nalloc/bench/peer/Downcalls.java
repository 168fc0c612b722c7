package dev.nalloc.bench.peer;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Looks up native allocator functions and binds FFM downcall handles to them. */
final class Downcalls {

    static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfLong POINTER = ValueLayout.JAVA_LONG;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final List<Path> LIBRARY_DIRS = List.of(Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/aarch64-linux-gnu"), Path.of("/usr/lib64"),
            Path.of("/usr/lib"), Path.of("/usr/local/lib"));

    private Downcalls() {
    }

    /**
     * A downcall for a short, non-blocking function that never calls back into Java: only malloc,
     * free (sized or not), realloc and usable-size use it. {@code critical(false)} skips the
     * thread-state transition, which also delays safepoints for the call's duration, so calls that
     * may touch a lot of memory (calloc's zeroing, aligned allocation's searches) stay plain.
     */
    static MethodHandle critical(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(lookup, name), descriptor, Linker.Option.critical(false));
    }

    /** An ordinary downcall (statistics queries and the like). */
    static MethodHandle plain(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(lookup, name), descriptor);
    }

    private static java.lang.foreign.MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new PeerUnavailableException("symbol " + name + " not found"));
    }

    static FunctionDescriptor fn(MemoryLayout result, MemoryLayout... args) {
        return FunctionDescriptor.of(result, args);
    }

    static FunctionDescriptor voidFn(MemoryLayout... args) {
        return FunctionDescriptor.ofVoid(args);
    }

    /** libc's own symbols. */
    static SymbolLookup libc() {
        return LINKER.defaultLookup();
    }

    /** Opens a shared library by its soname for the life of the JVM. */
    static SymbolLookup library(String soname, String skipLine) {
        try {
            return SymbolLookup.libraryLookup(soname, java.lang.foreign.Arena.global());
        } catch (IllegalArgumentException e) {
            throw new PeerUnavailableException(skipLine, e);
        }
    }

    /** Where a shared library file lives among the usual directories, if anywhere. */
    static Optional<Path> locate(String soname) {
        for (Path dir : LIBRARY_DIRS) {
            Path p = dir.resolve(soname);
            if (Files.exists(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
