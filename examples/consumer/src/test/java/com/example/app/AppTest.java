package com.example.app;

import dev.nalloc.api.Allocator;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AppTest {

    @Test
    void runsOnTheModulePath() {
        assertEquals("com.example.app", App.class.getModule().getName());
        assertEquals("dev.nalloc.api", Allocator.class.getModule().getName());
        assertEquals(7L, App.roundTrip(7L));
    }

    @Test
    void aViewIsBoundedByItsBlock() {
        Allocator nalloc = Allocator.global();
        long p = nalloc.malloc(16);
        try {
            assertThrows(IndexOutOfBoundsException.class, () -> nalloc.asSegment(p, 16).get(ValueLayout.JAVA_LONG, 16));
        } finally {
            nalloc.free(p);
        }
    }
}
