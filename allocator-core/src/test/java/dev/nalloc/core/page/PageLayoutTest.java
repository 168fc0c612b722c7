package dev.nalloc.core.page;

import dev.nalloc.core.segment.Span;
import dev.nalloc.core.FieldGroups;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static dev.nalloc.core.FieldGroups.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page's fields come in three groups with padding between them ({@link PageFields}): the JVM
 * lays out a superclass's fields before its subclass's, so the chain of classes is the layout.
 * Here the chain is checked: the thread-free word alone between two paddings, the owner's hot
 * fields after it and padded at the end, and no page class declaring fields out of its group.
 */
class PageLayoutTest {

    @Test
    void theGroupsAreSeparatedByPadding() {
        List<Class<?>> chain = FieldGroups.chain(Page.class, Span.class);
        assertEquals(List.of(PageFields.Shape.class, PageFields.PadShape.class, PageFields.ThreadFreeWord.class,
                PageFields.PadThreadFree.class, PageFields.Owner.class, PageFields.Padded.class, Page.class), chain);
        FieldGroups.assertPadding(PageFields.PadShape.class, PageFields.PAD);
        FieldGroups.assertPadding(PageFields.PadThreadFree.class, PageFields.PAD);
        FieldGroups.assertPadding(PageFields.Padded.class, PageFields.PAD);
        assertEquals(Set.of("threadFree"), names(PageFields.ThreadFreeWord.class), "the thread-free word is alone");
        assertEquals(Set.of(), names(Page.class), "Page declares no fields: they would follow the last padding");
    }

    @Test
    void theOwnersHotFieldsAreNotWithTheSharedOnes() {
        Set<String> owner = names(PageFields.Owner.class);
        assertTrue(owner.containsAll(Set.of("free", "localFree", "used", "capacity", "next", "prev")), owner.toString());
        Set<String> shape = names(PageFields.Shape.class);
        // what a freeing thread of another thread reads: the block checks, the bin, the heap
        assertTrue(shape.containsAll(Set.of("kind", "start", "blockSize", "blockInverse", "oddInverse", "sizeShift",
                "blockLimit", "reserved", "bin", "heap")), shape.toString());
        for (String hot : owner) {
            assertTrue(!shape.contains(hot), hot);
        }
    }
}
