package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which segment covers an address (mimalloc's {@code segment-map.c}), for every allocator
 * instance in the process: a two-level table indexed by {@code address >>> 25} over the 48-bit
 * address space (2^11 lazily made leaves of 2^12 segments). Readers take no lock: leaves and
 * entries are published with release stores; readers use plain loads (see {@link #lookup}).
 */
public final class SegmentMap {

    static final int ADDRESS_BITS = 48;
    private static final int KEY_BITS = ADDRESS_BITS - Layout.SEGMENT_SHIFT;
    private static final int LEAF_BITS = 12;
    private static final int TOP_BITS = KEY_BITS - LEAF_BITS;
    private static final int LEAF_MASK = (1 << LEAF_BITS) - 1;

    private static final VarHandle TOP_ELEMENT = MethodHandles.arrayElementVarHandle(Segment[][].class);
    private static final VarHandle LEAF_ELEMENT = MethodHandles.arrayElementVarHandle(Segment[].class);

    private static final Segment[][] TOP = new Segment[1 << TOP_BITS][];

    private SegmentMap() {
    }

    /** The segment covering {@code address}, or null (never touches the address itself). */
    public static Segment lookup(long address) {
        if ((address >>> ADDRESS_BITS) != 0) {
            return null;
        }
        long key = address >>> Layout.SEGMENT_SHIFT;
        // Plain loads: leaves and segments are published with release stores (CAS, setRelease) and
        // every field a reader uses is final (safe publication); a reader that races with a
        // (un)registration sees either state, both consistent.
        Segment[] leaf = TOP[(int) (key >>> LEAF_BITS)];
        if (leaf == null) {
            return null;
        }
        Segment s = leaf[(int) key & LEAF_MASK];
        return s != null && address - s.base < s.size ? s : null;
    }

    /** True when the segment's whole range can be mapped (lies below 2^48). */
    public static boolean fits(long base, long size) {
        return base > 0 && ((base + size - 1) >>> ADDRESS_BITS) == 0;
    }

    /** Maps every 32 MiB chunk of the segment to it. */
    static void register(Segment segment) {
        set(segment, segment);
    }

    /** Removes the segment's chunks. */
    static void unregister(Segment segment) {
        set(segment, null);
    }

    private static void set(Segment segment, Segment value) {
        long first = segment.base >>> Layout.SEGMENT_SHIFT;
        long last = (segment.base + segment.size - 1) >>> Layout.SEGMENT_SHIFT;
        for (long key = first; key <= last; key++) {
            Segment[] leaf = leafFor(key);
            LEAF_ELEMENT.setRelease(leaf, (int) key & LEAF_MASK, value);
        }
    }

    private static Segment[] leafFor(long key) {
        int top = (int) (key >>> LEAF_BITS);
        Segment[] leaf = (Segment[]) TOP_ELEMENT.getAcquire(TOP, top);
        if (leaf == null) {
            Segment[] fresh = new Segment[1 << LEAF_BITS];
            Segment[] witness = (Segment[]) TOP_ELEMENT.compareAndExchangeRelease(TOP, top, null, fresh);
            leaf = witness == null ? fresh : witness;
        }
        return leaf;
    }
}
