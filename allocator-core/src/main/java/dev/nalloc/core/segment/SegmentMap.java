package dev.nalloc.core.segment;

import dev.nalloc.core.memory.Layout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which segment covers an address (mimalloc's {@code segment-map.c}), for every allocator
 * instance in the process: a two-level table indexed by {@code address >>> 25} over the 48-bit
 * address space (2^11 lazily made leaves of 2^12 segments). Readers take no lock: leaves and
 * entries are published with release stores; readers use plain loads (see the element accessors).
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
        Segment[] leaf = getPlainLeaf((int) (key >>> LEAF_BITS));
        if (leaf == null) {
            return null;
        }
        Segment s = getPlainEntry(leaf, (int) key & LEAF_MASK);
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
            setReleaseEntry(leaf, (int) key & LEAF_MASK, value);
        }
    }

    private static Segment[] leafFor(long key) {
        int top = (int) (key >>> LEAF_BITS);
        Segment[] leaf = getAcquireLeaf(top);
        if (leaf == null) {
            Segment[] fresh = new Segment[1 << LEAF_BITS];
            Segment[] witness = caeReleaseLeaf(top, fresh);
            leaf = witness == null ? fresh : witness;
        }
        return leaf;
    }

    // ------------------------------------------------------------------ the tables' elements (the ordering in the name)

    /**
     * A leaf read plainly (lookups, from any thread): leaves are published with a release CAS and
     * a new leaf is all nulls, so a racing reader sees null or the whole leaf.
     */
    private static Segment[] getPlainLeaf(int top) {
        return TOP[top];
    }

    /**
     * An entry read plainly (lookups, from any thread): entries are published with release stores
     * and every field of a segment a reader uses is final (safe publication), so a reader racing
     * with a (un)registration sees either state, both consistent.
     */
    private static Segment getPlainEntry(Segment[] leaf, int i) {
        return leaf[i];
    }

    /** A leaf read with acquire semantics (a registration about to write into it). */
    private static Segment[] getAcquireLeaf(int top) {
        return (Segment[]) TOP_ELEMENT.getAcquire(TOP, top);
    }

    /**
     * Installs a fresh leaf unless one is there (compare-and-exchange with release semantics: its
     * nulls are written before); returns the leaf another thread installed first, or null.
     */
    private static Segment[] caeReleaseLeaf(int top, Segment[] fresh) {
        return (Segment[]) TOP_ELEMENT.compareAndExchangeRelease(TOP, top, null, fresh);
    }

    /** Writes an entry with a release store: the segment's fields are written before a lookup may see it. */
    private static void setReleaseEntry(Segment[] leaf, int i, Segment value) {
        LEAF_ELEMENT.setRelease(leaf, i, value);
    }
}
