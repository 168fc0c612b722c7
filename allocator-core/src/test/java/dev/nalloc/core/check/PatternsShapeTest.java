package dev.nalloc.core.check;

import dev.nalloc.core.BytecodeSizes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.BranchInstruction;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CHECKED's short fills and canaries ({@link Patterns#storeWords}) run in a loop that ends on
 * {@code !=}: C2 does not make a counted loop of a loop that steps by 8 and ends on {@code !=}, and
 * the counted loop's vectorized and unrolled form (alignment, main and tail loops) cost the few
 * words of a small block or a canary more than it saved (docs/modes.md). A change to {@code <} would
 * silently bring that back.
 */
class PatternsShapeTest {

    @Test
    void shortFillsLoopEndsOnAnEqualityTest() throws IOException {
        List<Opcode> branches = new ArrayList<>();
        for (MethodModel m : BytecodeSizes.model(Patterns.class).methods()) {
            if (m.methodName().equalsString("storeWords")) {
                m.findAttribute(Attributes.code()).orElseThrow().forEach(e -> {
                    if (e instanceof BranchInstruction b) {
                        branches.add(b.opcode());
                    }
                });
            }
        }
        assertEquals(List.of(), branches.stream().filter(op -> op != Opcode.GOTO && op != Opcode.IFEQ && op != Opcode.IFNE).toList(),
                "Patterns.storeWords must compare for equality only: " + branches);
        assertTrue(branches.contains(Opcode.IFEQ) || branches.contains(Opcode.IFNE), "Patterns.storeWords has its loop: " + branches);
    }
}
