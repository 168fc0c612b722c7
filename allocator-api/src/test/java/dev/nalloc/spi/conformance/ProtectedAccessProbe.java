package dev.nalloc.spi.conformance;

import dev.nalloc.spi.OsPrimitives;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The child-JVM half of the protection check of {@link OsPrimitivesConformance}: reserves and
 * commits two pages with the named provider, protects the first (with {@code protected}) or not
 * (with {@code control}), and writes a byte into it. With protection the write must kill the
 * process; the line {@value #SURVIVED} is printed only when the write went through.
 *
 * <p>Exit codes: 0 the write succeeded; 3 the allocation failed; 4 the protect call failed;
 * 2 bad arguments. Anything else (a signal, 134 after SIGSEGV in HotSpot) is the crash expected
 * for protected memory.
 */
public final class ProtectedAccessProbe {

    /** Printed after a write that did not crash. */
    public static final String SURVIVED = "probe: write survived";
    /** Printed right before the write. */
    public static final String WRITING = "probe: writing";

    private ProtectedAccessProbe() {
    }

    /** @param args the provider name, then {@code protected} or {@code control} */
    @SuppressWarnings("restricted") // the child JVM runs with --enable-native-access=ALL-UNNAMED
    public static void main(String[] args) {
        if (args.length != 2 || !(args[1].equals("protected") || args[1].equals("control"))) {
            System.err.println("usage: ProtectedAccessProbe <provider name> protected|control");
            System.exit(2);
        }
        OsPrimitives os = OsPrimitives.named(args[0]);
        long page = os.memoryConfig().pageSize();
        long size = Math.max(2 * page, os.memoryConfig().allocGranularity());
        OsPrimitives.Allocation a = os.alloc(0, size, 0, true, false);
        if (!a.ok()) {
            System.err.println("probe: alloc failed: " + os.describeError(a.error()));
            System.exit(3);
        }
        if (args[1].equals("protected")) {
            int error = os.protect(a.address(), page, true);
            if (error != 0) {
                System.err.println("probe: protect failed: " + os.describeError(error));
                System.exit(4);
            }
        }
        System.out.println(WRITING);
        System.out.flush();
        MemorySegment.ofAddress(a.address()).reinterpret(page).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        System.out.println(SURVIVED);
        System.out.flush();
        System.exit(0);
    }
}
