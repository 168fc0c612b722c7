package dev.nalloc.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ModeTest {

    @Test
    void parsesIgnoringCaseAndSpace() {
        assertEquals(Mode.FAST, Mode.parse("fast"));
        assertEquals(Mode.CHECKED, Mode.parse("Checked"));
        assertEquals(Mode.SECURE, Mode.parse(" SECURE\n"));
    }

    @Test
    void unknownModesAreRefusedWithTheAcceptedForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mode.parse("debug"));
        assertEquals("unknown mode 'debug' (expected fast, checked or secure)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mode.parse(""));
    }

    @Test
    void fastIsTheFirstAndDefault() {
        assertEquals(0, Mode.FAST.ordinal());
        assertEquals(Mode.FAST, OptionValues.defaults().mode());
    }
}
