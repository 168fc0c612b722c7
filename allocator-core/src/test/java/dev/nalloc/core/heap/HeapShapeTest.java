package dev.nalloc.core.heap;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shapes of the heap's methods that C2's inlining limits force (marked "C2 shape" in their
 * javadoc): C2 inlines a hot callee only up to 325 bytes of bytecode ({@code -XX:FreqInlineSize}).
 * <ul>
 *   <li>{@link LocalHeap#mallocSmall} stays small: it is inlined into the allocators' and arenas'
 *       fast paths;</li>
 *   <li>its slow path {@link PageSearch#mallocGeneric} stays in one piece above the limit, so it is
 *       never inlined into the fast path (which would then be too big to be inlined itself);</li>
 *   <li>{@link HeapDestroy#destroy} stays in one piece above the limit and {@link LocalHeap#destroy}
 *       only calls it, so an arena's close stays small enough to be inlined and its objects are
 *       removed by escape analysis.</li>
 * </ul>
 * A split of one of these into smaller methods would silently bring a slowdown back.
 */
class HeapShapeTest {

    private static final int FREQ_INLINE_SIZE = 325;

    private static Map<String, Integer> codeSizes(Class<?> type) throws IOException {
        ClassModel model;
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            assertNotNull(in, type.getName());
            model = ClassFile.of().parse(in.readAllBytes());
        }
        Map<String, Integer> sizes = new HashMap<>();
        for (MethodModel m : model.methods()) {
            m.findAttribute(Attributes.code()).ifPresent(code -> sizes.merge(m.methodName().stringValue(),
                    code.codeLength(), Math::max));
        }
        return sizes;
    }

    @Test
    void fastPathIsSmallAndSlowPathsTooBigToInline() throws IOException {
        Map<String, Integer> heap = codeSizes(LocalHeap.class);
        assertTrue(heap.get("mallocSmall") < FREQ_INLINE_SIZE / 4, "LocalHeap.mallocSmall must stay small: " + heap);
        assertTrue(heap.get("destroy") < 35, "LocalHeap.destroy must only call HeapDestroy.destroy (-XX:MaxInlineSize): " + heap);
        int generic = codeSizes(PageSearch.class).get("mallocGeneric");
        assertTrue(generic > FREQ_INLINE_SIZE, "PageSearch.mallocGeneric must stay over " + FREQ_INLINE_SIZE + " bytes: " + generic);
        int destroy = codeSizes(HeapDestroy.class).get("destroy");
        assertTrue(destroy > FREQ_INLINE_SIZE, "HeapDestroy.destroy must stay over " + FREQ_INLINE_SIZE + " bytes: " + destroy);
    }
}
