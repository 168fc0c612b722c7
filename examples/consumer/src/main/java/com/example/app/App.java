package com.example.app;

import dev.nalloc.api.Allocator;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Writes and reads a native block through a sized view; this module needs no native access. */
public final class App {

    private App() {
    }

    /** {@return the long written to and read back from a fresh 64-byte block} */
    public static long roundTrip(long value) {
        Allocator nalloc = Allocator.global();
        long p = nalloc.malloc(64);
        try {
            MemorySegment block = nalloc.asSegment(p, 64);
            block.set(ValueLayout.JAVA_LONG, 56, value);
            return block.get(ValueLayout.JAVA_LONG, 56);
        } finally {
            nalloc.free(p);
        }
    }

    public static void main(String[] args) {
        System.out.println(App.class.getModule().getName() + " read " + roundTrip(42) + " from "
                + Allocator.global().stats().name());
    }
}
