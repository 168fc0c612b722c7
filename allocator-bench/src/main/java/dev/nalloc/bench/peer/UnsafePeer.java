package dev.nalloc.bench.peer;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;

/**
 * {@code sun.misc.Unsafe.allocateMemory} (the JDK's own malloc wrapper). JDK 25 warns on its first
 * use unless the JVM runs with {@code --sun-misc-unsafe-memory-access=allow}; without that flag
 * the peer reports itself unavailable instead of printing the warning.
 */
@SuppressWarnings({"removal", "deprecation"})
public final class UnsafePeer implements AllocatorUnderTest {

    public static final String FLAG = "--sun-misc-unsafe-memory-access=allow";

    private static final sun.misc.Unsafe UNSAFE = load();

    UnsafePeer() {
        if (!allowed()) {
            throw new PeerUnavailableException("unsafe: skipped — start the JVM with " + FLAG);
        }
        if (UNSAFE == null) {
            throw new PeerUnavailableException("unsafe: skipped — sun.misc.Unsafe is not accessible in this JDK");
        }
    }

    /** Whether the JVM was started so that Unsafe memory access neither warns nor fails. */
    public static boolean allowed() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().contains(FLAG);
    }

    private static sun.misc.Unsafe load() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public String name() {
        return "unsafe";
    }

    @Override
    public long malloc(long size) {
        return UNSAFE.allocateMemory(size);
    }

    @Override
    public void free(long address) {
        UNSAFE.freeMemory(address);
    }

    @Override
    public long realloc(long address, long newSize) {
        return UNSAFE.reallocateMemory(address, newSize);
    }

    @Override
    public long usableSize(long address) {
        return -1;
    }
}
