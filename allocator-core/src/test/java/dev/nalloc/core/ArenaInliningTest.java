package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.InvokeInstruction;

import static dev.nalloc.core.BytecodeSizes.FREQ_INLINE_SIZE;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One {@link NallocArena} serves every mode, asking its allocator for the blocks of its segments,
 * except FAST's small word-aligned segment, which {@code allocate} takes from the heap itself (a
 * copy of what {@code NallocAllocator.arenaBlock} would do): one call level less on the path whose
 * arena and segments escape analysis must remove once {@code allocate} is inlined into the caller
 * (ArenaAllocateClose reports the bytes per operation). This guards the copy, and that
 * {@code allocate} stays small enough for C2 to inline as a hot method
 * ({@code -XX:FreqInlineSize}, 325 bytes of bytecode).
 */
class ArenaInliningTest {


    private static CodeAttribute code(Class<?> type, String method) throws IOException {
        ClassModel model;
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            model = ClassFile.of().parse(in.readAllBytes());
        }
        for (MethodModel m : model.methods()) {
            if (m.methodName().stringValue().equals(method) && m.methodType().stringValue().equals("(JJ)Ljava/lang/foreign/MemorySegment;")) {
                return m.findAttribute(Attributes.code()).orElseThrow();
            }
        }
        return null;
    }

    @Test
    void allocateTakesFastSmallSegmentsFromTheHeapItselfAndStaysInlinable() throws IOException {
        CodeAttribute allocate = code(NallocArena.class, "allocate");
        assertNotNull(allocate, "NallocArena.allocate(long, long)");
        boolean direct = allocate.elementStream().anyMatch(e -> e instanceof InvokeInstruction i
                && i.name().stringValue().equals("mallocSmall") && i.owner().asInternalName().endsWith("/LocalHeap"));
        assertTrue(direct, "NallocArena.allocate must call LocalHeap.mallocSmall itself (FAST's small segments)");
        int size = allocate.codeLength();
        assertTrue(size < FREQ_INLINE_SIZE, "NallocArena.allocate must stay under " + FREQ_INLINE_SIZE + " bytes: " + size);
    }
}
