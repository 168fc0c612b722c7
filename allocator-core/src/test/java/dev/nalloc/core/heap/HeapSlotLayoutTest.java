package dev.nalloc.core.heap;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A heap slot's fields come in two groups with padding around them ({@link HeapSlotFields}): what
 * other threads read (the owner, compared by every thread that meets the slot in a lookup) apart
 * from what the owner writes on its slow paths. The JVM lays out a superclass's fields before its
 * subclass's, so the chain of classes is the layout; here the chain is checked.
 */
class HeapSlotLayoutTest {

    private static List<Class<?>> chain() {
        List<Class<?>> chain = new ArrayList<>();
        for (Class<?> c = HeapSlot.class; c != Object.class; c = c.getSuperclass()) {
            chain.addFirst(c);
        }
        return chain;
    }

    private static List<Field> instanceFields(Class<?> c) {
        return Arrays.stream(c.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers())).toList();
    }

    private static Set<String> names(Class<?> c) {
        return instanceFields(c).stream().map(Field::getName).collect(Collectors.toSet());
    }

    /** A padding class: only byte fields, at least {@link HeapSlotFields#PAD} of them. */
    private static void assertPadding(Class<?> c) {
        List<Field> fields = instanceFields(c);
        assertTrue(fields.size() >= HeapSlotFields.PAD, c.getSimpleName() + " pads " + fields.size() + " bytes");
        assertTrue(fields.stream().allMatch(f -> f.getType() == byte.class), c.getSimpleName() + " holds only bytes");
    }

    @Test
    void theGroupsAreSeparatedByPadding() {
        assertEquals(List.of(HeapSlotFields.Lead.class, HeapSlotFields.Shared.class, HeapSlotFields.PadShared.class,
                HeapSlotFields.Own.class, HeapSlotFields.Padded.class, HeapSlot.class), chain());
        assertPadding(HeapSlotFields.Lead.class);
        assertPadding(HeapSlotFields.PadShared.class);
        assertPadding(HeapSlotFields.Padded.class);
        assertEquals(Set.of(), names(HeapSlot.class), "HeapSlot declares no fields: they would follow the last padding");
    }

    @Test
    void whatOtherThreadsReadIsNotWithWhatTheOwnerWrites() {
        Set<String> shared = names(HeapSlotFields.Shared.class);
        assertTrue(shared.contains("owner"), shared.toString());
        for (Field f : instanceFields(HeapSlotFields.Shared.class)) {
            // the owner changes only when the slot changes hands; everything else here is final
            assertTrue(f.getName().equals("owner") || Modifier.isFinal(f.getModifiers()), f.getName() + " is written after construction");
        }
        Set<String> own = names(HeapSlotFields.Own.class);
        assertTrue(own.containsAll(Set.of("busy", "lastFreeCover", "encodedFreeCover", "misses", "fastTries", "stamp")), own.toString());
    }
}
