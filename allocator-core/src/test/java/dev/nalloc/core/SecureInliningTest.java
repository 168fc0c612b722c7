package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SECURE's fast paths reach the speed they have only when C2 inlines {@code malloc} and
 * {@code free} into the program's loops, which it does not once their compiled code is big: so the
 * slow paths must never be inlined into them. C2 does not inline a hot method of more than 325
 * bytes of bytecode ({@code -XX:FreqInlineSize}); the slow paths are kept above that, in one piece
 * each, and the fast paths well below. This guards the sizes (a refactoring that splits
 * {@code allocate} or {@code resolve} would silently bring the slowdown back).
 */
class SecureInliningTest {

    private static final int FREQ_INLINE_SIZE = 325;

    private static Map<String, Integer> codeSizes(Class<?> type) throws IOException {
        ClassModel model;
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
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
    void slowPathsAreTooBigToInlineAndFastPathsAreSmall() throws IOException {
        Map<String, Integer> sizes = codeSizes(SecureAllocator.class);
        for (String slow : new String[]{"allocate", "resolve"}) {
            assertTrue(sizes.get(slow) > FREQ_INLINE_SIZE, slow + " must stay over " + FREQ_INLINE_SIZE + " bytes: " + sizes);
        }
        for (String fast : new String[]{"malloc", "free", "freeSlow"}) {
            assertTrue(sizes.get(fast) < FREQ_INLINE_SIZE / 2, fast + " must stay small: " + sizes);
        }
    }
}
