package dev.nalloc.core;

import dev.nalloc.api.Mode;
import dev.nalloc.core.heap.FastSlots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.BranchInstruction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The free fast paths take no branch on whether the calling thread owns its {@link FastSlots}
 * entry. C2 compiles a branch whose profile never saw one side with that side cut off (an
 * uncommon trap, {@code unstable_if}); while every freeing thread had an entry, the owner test's
 * failing side was cut off, and the first free of each new thread (larson's successor threads)
 * trapped and threw away the compiled loops that inline free. The entry's miss is computed
 * ({@link FastSlots#missing}) and indexes the empty cache, so the only branches before the page
 * test are the claimed slot's owner test and the page test, whose failing side every thread takes
 * when a free goes into another segment. A branch on the entry's owner in these methods (a change
 * back) fails this test; what C2 makes of the shape is measured in docs/performance.md.
 */
class FreeLookupShapeTest {

    @Test
    void missingHasNoBranch() throws IOException {
        assertEquals(List.of(), branches(FastSlots.class, "missing"), "FastSlots.missing");
        assertEquals(List.of(), branches(FastSlots.class, "index"), "FastSlots.index");
        assertEquals(List.of(), branches(FastSlots.class, "indexOf"), "FastSlots.indexOf");
    }

    @Test
    void fastFreesBranchOnlyOnTheClaimedOwnerAndThePage() throws IOException {
        // FAST: the claimed slot's owner, then the page test (isBlockStart's result).
        assertEquals(List.of(Opcode.IF_ACMPNE, Opcode.IFEQ), branches(NallocAllocator.class, "free"), "NallocAllocator.free");
        assertLookupBranchFree(NallocAllocator.class, "free");
        // CHECKED's page (ModeAllocator.lastFreePage) and SECURE's written-out copy.
        assertEquals(List.of(Opcode.IF_ACMPNE), branches(ModeAllocator.class, "lastFreePage"), "ModeAllocator.lastFreePage");
        assertLookupBranchFree(ModeAllocator.class, "lastFreePage");
        assertEquals(Opcode.IF_ACMPNE, branches(SecureAllocator.class, "free").getFirst(), "SecureAllocator.free: the claimed owner first");
        assertLookupBranchFree(SecureAllocator.class, "free");
    }

    private static void assertLookupBranchFree(Class<?> type, String method) throws IOException {
        List<String> calls = BytecodeSizes.calls(type, method);
        assertTrue(calls.contains("FastSlots.missing"), type.getSimpleName() + "." + method + ": " + calls);
        assertFalse(calls.contains("FastSlots.getPlainOwner"), type.getSimpleName() + "." + method + ": " + calls);
        assertFalse(calls.contains("ThreadHeaps.slotOf"), type.getSimpleName() + "." + method + ": " + calls);
    }

    /** What the shape relies on: an entry's miss selects the empty cache, its owner's hit the entry's own. */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aThreadWithoutAnEntryMissesItAndOneWithAnEntryFindsIt(Mode mode) throws Exception {
        try (AbstractAllocator a = (AbstractAllocator) TestAllocators.builder().mode(mode).build()) {
            a.free(a.malloc(64)); // this thread claims the slot
            AtomicInteger before = new AtomicInteger(-1);
            AtomicInteger after = new AtomicInteger(-1);
            AtomicInteger index = new AtomicInteger();
            Thread other = Thread.ofPlatform().start(() -> {
                Thread t = Thread.currentThread();
                int i = FastSlots.index(t, a.claimed.salt);
                index.set(i);
                before.set(FastSlots.missing(i, t));
                long p = a.malloc(64);
                a.free(p); // a local free: the entry caches the segment
                after.set(FastSlots.missing(i, t));
            });
            other.join();
            assertTrue(before.get() != 0, "a thread without an entry misses it");
            assertEquals(0, after.get(), "its owner finds it");
            assertTrue(FastSlots.missing(index.get(), Thread.currentThread()) != 0, "another thread misses it");
            int missed = FastSlots.missing(index.get(), Thread.currentThread());
            assertSame(mode == Mode.FAST ? FastSlots.FREE_COVERS[FastSlots.FREE_COVERS.length - 1]
                    : FastSlots.ENCODED_FREE_COVERS[FastSlots.ENCODED_FREE_COVERS.length - 1],
                    mode == Mode.FAST ? FastSlots.FREE_COVERS[index.get() + missed] : FastSlots.ENCODED_FREE_COVERS[index.get() + missed],
                    "a miss reads the never-written upper half: the empty cache");
        }
    }

    /** The conditional branches of {@code type.method}, in bytecode order. */
    private static List<Opcode> branches(Class<?> type, String method) throws IOException {
        List<Opcode> out = new ArrayList<>();
        for (CodeElement e : code(type, method)) {
            if (e instanceof BranchInstruction b && b.opcode() != Opcode.GOTO && b.opcode() != Opcode.GOTO_W) {
                out.add(b.opcode());
            }
        }
        return out;
    }

    private static List<CodeElement> code(Class<?> type, String method) throws IOException {
        ClassModel model = BytecodeSizes.model(type);
        List<CodeElement> out = new ArrayList<>();
        int found = 0;
        for (MethodModel m : model.methods()) {
            if (m.methodName().equalsString(method)) {
                found++;
                m.findAttribute(Attributes.code()).orElseThrow().forEach(out::add);
            }
        }
        assertEquals(1, found, type.getSimpleName() + "." + method + ": one method of that name");
        return out;
    }
}
