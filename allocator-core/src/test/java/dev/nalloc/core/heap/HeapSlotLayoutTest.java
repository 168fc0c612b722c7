package dev.nalloc.core.heap;

import dev.nalloc.core.FieldGroups;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;

import static dev.nalloc.core.FieldGroups.instanceFields;
import static dev.nalloc.core.FieldGroups.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A heap slot's fields come in two groups with padding around them ({@link HeapSlotFields}): what
 * other threads read (the owner, compared by every thread that meets the slot in a lookup) apart
 * from what the owner writes on its slow paths. The JVM lays out a superclass's fields before its
 * subclass's, so the chain of classes is the layout; here the chain is checked.
 */
class HeapSlotLayoutTest {

    @Test
    void theGroupsAreSeparatedByPadding() {
        assertEquals(List.of(HeapSlotFields.Lead.class, HeapSlotFields.Shared.class, HeapSlotFields.PadShared.class,
                HeapSlotFields.Own.class, HeapSlotFields.Padded.class, HeapSlot.class), FieldGroups.chain(HeapSlot.class, Object.class));
        FieldGroups.assertPadding(HeapSlotFields.Lead.class, HeapSlotFields.PAD);
        FieldGroups.assertPadding(HeapSlotFields.PadShared.class, HeapSlotFields.PAD);
        FieldGroups.assertPadding(HeapSlotFields.Padded.class, HeapSlotFields.PAD);
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
