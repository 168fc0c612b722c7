package dev.nalloc.core.page;

import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.Span;
import dev.nalloc.core.segment.SpanFactory;
import dev.nalloc.spi.FreeListEncoding;

/**
 * A page of a CHECKED or SECURE instance: its free-list links are encoded with per-page keys and
 * verified when read ({@link EncodedLists}), and it carries the mode's per-page state
 * ({@link PageMode}: guard pages, random carving, a broken link found) and CHECKED's block states.
 * FAST pages ({@link Page}) have none of these fields; the page methods that differ test the type
 * (see {@link Page}).
 */
public final class EncodedPage extends Page {

    /** Makes the pages of segments of CHECKED and SECURE instances (in a {@code Page[]} cover array). */
    public static final SpanFactory SPANS = new SpanFactory() {
        @Override
        public Span newSpan(Segment segment, int sliceIndex) {
            return new EncodedPage(segment, sliceIndex);
        }

        @Override
        public Span[] newCover(int slices) {
            return new EncodedPage[slices];
        }
    };

    /**
     * The empty page of unused entries of an encoded heap's direct page table, as {@link Page#EMPTY}
     * is FAST's: it never has a free block. Encoded heaps' tables and their segments' cover arrays
     * are {@code EncodedPage[]}, so that SECURE's fast paths read their pages typed from them (see
     * {@link dev.nalloc.core.heap.FastSlots#ENCODED_DIRECTS}): no class check of the page.
     */
    static final EncodedPage EMPTY = new EncodedPage(null, 0);

    /** The empty free-path cache of encoded slots: {@link dev.nalloc.core.heap.HeapSlot#NO_COVER} typed. */
    public static final EncodedPage[] NO_COVER = new EncodedPage[Layout.SLICES_PER_SEGMENT];

    static {
        java.util.Arrays.fill(NO_COVER, EMPTY);
    }

    /** {@link #freeRemoteEncoded}: the block was pushed. */
    public static final int PUSHED = 0;
    /** {@link #freeRemoteEncoded}: the block is at the head of the thread-free list already (two frees at once). */
    static final int AT_HEAD = 1;
    /** {@link #freeRemoteEncoded}: the page's heap was destroyed ({@link #seal}); nothing changed. */
    public static final int REFUSED = 2;

    /**
     * The links, keys and checks of the page ({@link #encodeLinks}; read on slow paths only), or null
     * until the page is made (and for a span that never was a page).
     */
    PageMode mode;
    /**
     * The encoding and keys of the links. Here rather than in {@link #mode}: SECURE's fast paths read
     * them at every allocation and free.
     */
    FreeListEncoding codec;
    /** {@link #codec} is {@link KeyedLinks}' encoding: computed directly, without the interface call. */
    boolean keyed;
    long key0;
    long key1;
    /**
     * Per-block state kept by a CHECKED allocator (its own type), or null; dropped whenever the
     * engine makes all blocks free by itself ({@link #reset}, {@link #init}) or frees the span. Here
     * rather than in {@link #mode}: CHECKED reads it at every allocation and free, and one dependent
     * load less before the block's state is known shortens both paths.
     */
    private Object shadow;

    EncodedPage(Segment segment, int sliceIndex) {
        super(segment, sliceIndex);
    }

    /**
     * Makes the links of this page encoded with {@code codec} and the page's keys; {@code shuffle}
     * non-zero carves new blocks in a random order seeded by it. Right after {@link #init}, before
     * the first extension.
     */
    public void encodeLinks(FreeListEncoding codec, boolean keyed, long key0, long key1, long shuffle) {
        this.mode = new PageMode(shuffle);
        this.codec = codec;
        this.keyed = keyed;
        this.key0 = key0;
        this.key1 = key1;
        this.blockLimit = inFull() ? 0 : capacity;
    }

    /** {@link #init}: the last page's mode state and block states go (the span's guard was lifted). */
    void clearMode() {
        mode = null;
        shadow = null;
    }

    /** {@link #reset}: every block is free again, none carved. */
    void emptied() {
        shadow = null;
        if (mode != null) {
            blockLimit = 0; // capacity is 0
            mode.brokenLink = 0;
        }
    }

    /** CHECKED's per-block state of this page (its own type), or null. */
    public Object shadow() {
        return shadow;
    }

    /** Sets CHECKED's per-block state (owner thread). */
    public void setShadow(Object shadow) {
        this.shadow = shadow;
    }

    // ------------------------------------------------------------------ guard pages (SECURE)

    /** The page's guard page, or the one its span kept; 0 when none (see {@link Page#guardPage}). */
    long guard() {
        return mode != null ? mode.guard : 0;
    }

    boolean hasGuardsLeft() {
        return mode != null && mode.hasGuards();
    }

    /** See {@link Page#liftGuard}. */
    String liftGuards() {
        return mode == null ? null : mode.liftGuard();
    }

    void reportStuck(String failure) {
        mode.reportStuck(failure);
    }

    /**
     * A sampled block's guard page inside this page that the OS would not lift: recorded with the
     * page's own guard, so that {@link #liftGuard} tries it too (the page is about to be made stuck).
     */
    public void addStuckGuard(long address, OsMemory os) {
        mode.addStuckGuard(address, os);
    }

    // ------------------------------------------------------------------ links

    /*
     * The link methods below stay small enough for the first-tier compiler to inline them, as a short
     * program runs much of its start in that tier's code (PageShapeTest).
     */

    /** The stored form of a link from {@code block} to {@code next}. */
    public long encodeLink(long block, long next) {
        return keyed ? KeyedLinks.encode(next, block, key0, key1) : encodeByCodec(block, next);
    }

    private long encodeByCodec(long block, long next) {
        return codec.encode(next, block, key0, key1);
    }

    /** The decoded link word of {@code block}. */
    long decodeAt(long block) {
        return keyed ? KeyedLinks.decode(Mem.load(block), block, key0, key1) : decodeByCodec(block);
    }

    private long decodeByCodec(long block) {
        return codec.decode(Mem.load(block), block, key0, key1);
    }

    /**
     * {@link #popNext} on an encoded page (and SECURE's fast paths): the link of {@code block}, the
     * head of {@code free} being popped by the owner to be handed out, decoded and verified. The
     * block's link word is cleared (as mimalloc's secure build does: the program never reads an
     * encoded link, and SECURE's double-free screen needs live blocks not to hold one). A broken
     * link ends the list here: the rest of {@code free} is dropped and counted as used, and the
     * block is noted in {@link PageMode#brokenLink} and counted in its heap's
     * {@link PageOwner#brokenLinks} for the allocator to report (and quarantine, since its first
     * word was overwritten).
     */
    public long popEncoded(long block) {
        long next = decodeAt(block);
        if (isValidLink(next)) {
            Mem.store(block, 0);
            return next;
        }
        return EncodedLists.dropRest(this, block);
    }

    /**
     * SECURE's double-free screen (mimalloc's {@code mi_check_is_double_free}): true when the first
     * word of the block at {@code block} decodes to a valid link (0 or a carved block of this page),
     * as it does while the block is on one of the page's free lists. A live block reads so only if
     * its owner stored exactly such a value there, so a false answer means the block is certainly
     * not free, and a true one calls for a walk of the lists ({@link #onFreeLists}).
     */
    public boolean mayBeFree(long block) {
        return isValidLink(decodeAt(block));
    }

    /**
     * True when {@code block} is on the page's {@code free}, {@code localFree} or thread-free list
     * (walks that meet a broken link stop there). Other threads may read the owner's lists while it
     * changes them: the walks only follow verified links inside the page and stop after
     * {@code capacity} steps, so at worst a block moving between lists is missed.
     */
    public boolean onFreeLists(long block) {
        return EncodedLists.contains(this, free, block) || EncodedLists.contains(this, localFree, block)
                || EncodedLists.contains(this, threadFreeHead(), block);
    }

    /**
     * Frees a block of another thread's page: {@link #freeRemote} with the link encoded.
     *
     * @return {@link #PUSHED}, {@link #AT_HEAD} or {@link #REFUSED}
     */
    public int freeRemoteEncoded(long block) {
        return EncodedLists.freeRemote(this, block);
    }
}
