package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.PageProbes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SECURE's fast paths read their page from tables typed {@code EncodedPage[]} (the heap's direct
 * table, the free-path cache of cover arrays, and their copies in {@code FastSlots}), so that C2
 * knows the page's exact type from the array load and emits no class check for it: a
 * {@code checkcast} in {@code malloc} or {@code free} costs a compare and branch per call on
 * SECURE's hottest path (docs/performance.md, "SECURE's fast path after EncodedPage"). This guards
 * both halves of that: no {@code checkcast} in those methods, and the typed tables really being
 * filled (were they not, the fast paths would find no table and every call would go slow).
 */
class SecureTypedTablesTest {

    @Test
    void secureFastPathsCastNothing() throws IOException {
        assertEquals(List.of(), checkcasts(SecureAllocator.class, "malloc", "free"));
        assertEquals(List.of(), checkcasts(ModeAllocator.class, "directPages", "lastFreePage"));
    }

    @Test
    void secureThreadsFindTypedTablesAndTheirPages() {
        try (Allocator a = TestAllocators.builder().mode(Mode.SECURE).build()) {
            ModeAllocator m = (ModeAllocator) a;
            Thread t = Thread.currentThread();
            long p = a.malloc(64);
            EncodedPage[] direct = m.directPages(t);
            assertNotNull(direct, "a thread that allocated is on the fast path with a typed direct table");
            assertSame(PageProbes.encodedEmpty(), direct[1], "empty bins point at the encoded empty page");
            a.free(p); // the slow path: caches the segment for the fast one
            long q = a.malloc(64);
            EncodedPage page = m.lastFreePage(q);
            assertNotSame(PageProbes.encodedEmpty(), page, "the free-path cache names the block's segment");
            assertTrue(page.isBlockStart(q), "its page is the block's");
            assertSame(page, direct[(int) ((64 + 7) >>> 3)], "the same page as malloc's");
            a.free(q);
        }
    }

    @Test
    void fastSlotsHaveNoTypedTable() {
        try (Allocator a = TestAllocators.builder().mode(Mode.FAST).build()) {
            NallocAllocator n = (NallocAllocator) a;
            a.free(a.malloc(64));
            assertSame(Thread.currentThread(), n.claimed.getPlainOwner());
            assertNull(n.claimed.encodedDirect, "FAST's direct table is a Page[]");
            assertSame(EncodedPage.NO_COVER, n.claimed.encodedFreeCover());
        }
    }

    /** The checkcast instructions in the named methods of {@code type}, as "method: type". */
    private static List<String> checkcasts(Class<?> type, String... methods) throws IOException {
        ClassModel model = BytecodeSizes.model(type);
        List<String> found = new ArrayList<>();
        int seen = 0;
        for (MethodModel m : model.methods()) {
            String name = m.methodName().stringValue();
            if (!List.of(methods).contains(name)) {
                continue;
            }
            seen++;
            m.findAttribute(Attributes.code()).ifPresent(code -> code.forEach(e -> {
                if (e instanceof TypeCheckInstruction tc && tc.opcode() == Opcode.CHECKCAST) {
                    found.add(name + ": " + tc.type().asInternalName());
                }
            }));
        }
        assertEquals(methods.length, seen, "methods " + List.of(methods) + " of " + type.getSimpleName());
        return found;
    }
}
