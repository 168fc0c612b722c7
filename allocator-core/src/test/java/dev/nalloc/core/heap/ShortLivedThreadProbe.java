package dev.nalloc.core.heap;

import dev.nalloc.api.Allocator;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The child JVM of {@link ShortLivedThreadCostTest} (on the class path, where the management API
 * is there to read): mleak's pattern, one short-lived thread after another, each allocating a
 * block, swapping it through a shared table and freeing what was there. Prints
 * {@code median=<in-thread Java bytes> segments=<held> threads=<counted live> allocated=<after freeing all>}, or
 * {@code unsupported} when the JVM cannot count a thread's allocated bytes.
 */
final class ShortLivedThreadProbe {

    private static final int TABLE = 100;

    private ShortLivedThreadProbe() {
    }

    public static void main(String[] args) throws Exception {
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        Class<?> type = Class.forName("com.sun.management.ThreadMXBean");
        if (!type.isInstance(mx) || !(Boolean) type.getMethod("isThreadAllocatedMemoryEnabled").invoke(mx)) {
            System.out.println("unsupported");
            return;
        }
        Method allocated = type.getMethod("getCurrentThreadAllocatedBytes");
        int threads = Integer.parseInt(args[0]);
        try (Allocator a = Allocator.builder().build()) {
            AtomicLongArray table = new AtomicLongArray(TABLE);
            round(a, table, threads, 1, mx, allocated); // warm up: classes loaded, code compiled
            long[] bytes = round(a, table, threads, 2, mx, allocated);
            Arrays.sort(bytes);
            long segments = a.stats().counts().get("segments").current();
            long live = a.stats().counts().get("threads").current();
            for (int i = 0; i < TABLE; i++) {
                long p = table.getAndSet(i, 0);
                if (p != 0) {
                    a.free(p);
                }
            }
            a.collect(true);
            System.out.println("median=" + bytes[bytes.length / 2] + " segments=" + segments + " threads=" + live
                    + " allocated=" + a.stats().allocated() + " lowest=" + Arrays.toString(Arrays.copyOf(bytes, 10)));
        }
    }

    private static long[] round(Allocator a, AtomicLongArray table, int threads, int salt, Object mx, Method allocated)
            throws Exception {
        long[] bytes = new long[threads];
        for (int i = 0; i < threads; i++) {
            int k = i;
            // Plain threads: the Java heap a short-lived thread costs is what this probe measures, and TestThreads' wrapper would add to it.
            Thread t = new Thread(() -> {
                try {
                    long before = (Long) allocated.invoke(mx);
                    long p = a.calloc(16, 8);
                    long old = table.getAndSet((k * 7919 + salt) % TABLE, p);
                    if (old != 0) {
                        a.free(old);
                    }
                    bytes[k] = (Long) allocated.invoke(mx) - before;
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            t.join();
        }
        return bytes;
    }
}
