package dev.nalloc.examples.os;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Option;
import dev.nalloc.spi.OsPrimitives;

/** Runs an allocator on {@link MyOsPrimitives} and shows what it reserved and gave back. */
public final class MyOsExample {

    private MyOsExample() {
    }

    /**
     * Runs the example.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        MyOsPrimitives os = (MyOsPrimitives) OsPrimitives.named("my-os"); // found with ServiceLoader
        try (Allocator a = Allocator.builder().os(os).option(Option.ARENA_RESERVE, 64L << 20).build()) {
            long[] blocks = new long[1000];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = a.malloc(1 + i * 97L);
            }
            for (long b : blocks) {
                a.free(b);
            }
            a.free(a.malloc(40L << 20)); // a huge block: a reservation of its own, released at its free
        } // close drops the contents of the rest at once and releases them once the instance is unreachable
        System.out.printf("my-os: %d reservations, %d releases%n", os.reservations(), os.releases());
        if (os.reservations() == 0 || os.releases() == 0) {
            throw new IllegalStateException("the layer saw no reservation or release");
        }
        System.out.println("os example done");
    }
}
