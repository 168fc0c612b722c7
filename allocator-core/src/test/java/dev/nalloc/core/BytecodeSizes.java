package dev.nalloc.core;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Bytecode sizes of methods, for the tests that guard the shapes C2's inlining depends on
 * ({@link SecureInliningTest}, {@link ArenaInliningTest}, {@code heap.HeapShapeTest} and the other shape
 * tests; docs/design-core.md, "Shapes the JIT needs").
 */
public final class BytecodeSizes {

    /** C2 does not inline a hot method of more bytecode bytes than this ({@code -XX:FreqInlineSize}). */
    public static final int FREQ_INLINE_SIZE = 325;

    /**
     * C2 does not inline a method of more bytecode bytes than this at a cold call site
     * ({@code -XX:MaxInlineSize}), and C1, the first tier, at any call site ({@code -XX:C1MaxInlineSize}).
     */
    public static final int MAX_INLINE_SIZE = 35;

    private BytecodeSizes() {
    }

    /** The class file of {@code type}, parsed. */
    public static ClassModel model(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            assertNotNull(in, type.getName());
            return ClassFile.of().parse(in.readAllBytes());
        }
    }

    /** The bytecode length of every method of {@code type} by name (the largest of overloads). */
    public static Map<String, Integer> of(Class<?> type) throws IOException {
        ClassModel model = model(type);
        Map<String, Integer> sizes = new HashMap<>();
        for (MethodModel m : model.methods()) {
            m.findAttribute(Attributes.code()).ifPresent(code -> sizes.merge(m.methodName().stringValue(),
                    code.codeLength(), Math::max));
        }
        return sizes;
    }

    /** The conditional and unconditional jumps in {@code type.name} (every overload). */
    public static int branches(Class<?> type, String name) throws IOException {
        ClassModel model = model(type);
        int n = 0;
        for (MethodModel m : model.methods()) {
            if (m.methodName().equalsString(name)) {
                for (var e : m.findAttribute(Attributes.code()).orElseThrow()) {
                    if (e instanceof BranchInstruction) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** The methods {@code type.name} invokes (every overload), as Owner.method, in bytecode order. */
    public static List<String> calls(Class<?> type, String name) throws IOException {
        ClassModel model = model(type);
        List<String> calls = new ArrayList<>();
        for (MethodModel m : model.methods()) {
            if (m.methodName().equalsString(name)) {
                m.findAttribute(Attributes.code()).orElseThrow().forEach(e -> {
                    if (e instanceof InvokeInstruction i) {
                        String owner = i.owner().asInternalName();
                        calls.add(owner.substring(owner.lastIndexOf('/') + 1) + "." + i.name().stringValue());
                    }
                });
            }
        }
        return calls;
    }
}
