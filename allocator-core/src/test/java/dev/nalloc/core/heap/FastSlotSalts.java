package dev.nalloc.core.heap;

import java.util.ArrayList;
import java.util.List;

/** Test access to {@link FastSlots}' salts: takes every free one (instances made meanwhile get none) and gives them back. */
public final class FastSlotSalts {

    private FastSlotSalts() {
    }

    /** Claims every salt still free; the caller gives them back with {@link #releaseAll}. */
    public static List<Integer> claimAll() {
        List<Integer> taken = new ArrayList<>();
        for (int s; (s = FastSlots.claimSalt()) >= 0; ) {
            taken.add(s);
        }
        return taken;
    }

    public static void releaseAll(List<Integer> salts) {
        for (int s : salts) {
            FastSlots.releaseSalt(s);
        }
    }
}
