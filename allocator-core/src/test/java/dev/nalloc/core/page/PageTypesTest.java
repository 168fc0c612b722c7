package dev.nalloc.core.page;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.core.segment.SegmentMap;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FAST pages carry no mode state: the encoded links' keys, the mode's per-page state and CHECKED's
 * block states are fields of {@link EncodedPage}, which only CHECKED and SECURE instances make.
 */
class PageTypesTest {

    private static final Set<String> MODE_FIELDS = Set.of("mode", "codec", "shadow", "keyed", "key0", "key1");

    private static Set<String> instanceFields(Class<?> type) {
        return Arrays.stream(type.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers()))
                .map(Field::getName).collect(Collectors.toSet());
    }

    @Test
    void aFastPageHasNoModeFields() {
        for (Class<?> c = Page.class; c != Object.class; c = c.getSuperclass()) {
            Set<String> fields = instanceFields(c);
            fields.retainAll(MODE_FIELDS);
            assertTrue(fields.isEmpty(), c.getSimpleName() + " declares mode state: " + fields);
        }
        assertEquals(MODE_FIELDS, instanceFields(EncodedPage.class), "EncodedPage holds exactly the mode state");
        assertTrue(Page.class.isSealed());
        assertEquals(Set.of(EncodedPage.class), Set.of(Page.class.getPermittedSubclasses()));
    }

    @Test
    void eachModeMakesItsPageType() {
        for (Mode mode : Mode.values()) {
            try (Allocator a = Allocator.builder().mode(mode).build()) {
                long small = a.malloc(64);
                long large = a.malloc(1 << 20);
                long huge = a.malloc(64L << 20);
                for (long p : new long[]{small, large, huge}) {
                    Page page = Page.of(SegmentMap.lookup(p), p);
                    assertSame(mode == Mode.FAST ? Page.class : EncodedPage.class, page.getClass(), mode + " at " + p);
                    assertEquals(mode != Mode.FAST, page.isEncoded(), mode.toString());
                    assertEquals(mode != Mode.FAST, page.mode() != null, mode.toString());
                }
                a.free(small);
                a.free(large);
                a.free(huge);
            }
        }
    }
}
