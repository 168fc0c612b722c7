package dev.nalloc.core.arena;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free bitmap over atomic 64-bit words (mimalloc's {@code bitmap.c}): runs of bits can be
 * claimed, set and cleared atomically even when they cross word boundaries. A claim of a run that
 * spans several words sets them word by word with CAS and rolls back what it set when a later word
 * turns out to be taken, so no bit is ever claimed twice.
 *
 * <p>Every access to a word has volatile semantics ({@link AtomicLongArray#get} and its CAS-based
 * updates), and each method's name says so: {@code getVolatile...} for the reads (racy scans: bits
 * may change meanwhile), {@code cas...} for the updates (CAS loops: several threads claim, set and
 * clear bits of one word, and a claim must see every bit set before it).
 */
final class Bitmap {

    private final AtomicLongArray words;
    private final int bits;

    Bitmap(int bits) {
        if (bits <= 0) {
            throw new IllegalArgumentException("bits must be positive: " + bits);
        }
        this.bits = bits;
        this.words = new AtomicLongArray((bits + 63) >>> 6);
    }

    int bits() {
        return bits;
    }

    /**
     * Claims {@code n} consecutive clear bits (sets them) and returns the index of the first, or -1
     * when no such run is free right now (volatile reads, then {@link #casClaimAt}'s CAS loop).
     */
    int casClaim(int n) {
        checkCount(n);
        int from = 0;
        while (from + n <= bits) {
            int run = findClearRun(from, n);
            if (run < 0) {
                return -1;
            }
            if (casClaimAt(run, n)) {
                return run;
            }
            from = run + 1;
        }
        return -1;
    }

    /**
     * Claims {@code n} consecutive clear bits searching from {@code start} to the end first, then
     * from the beginning; the index of the first, or -1 (as {@link #casClaim}).
     */
    int casClaimFrom(int n, int start) {
        checkCount(n);
        int from = Math.max(0, Math.min(start, bits - n));
        while (from + n <= bits) {
            int run = findClearRun(from, n);
            if (run < 0) {
                break;
            }
            if (casClaimAt(run, n)) {
                return run;
            }
            from = run + 1;
        }
        return casClaim(n);
    }

    /**
     * Claims exactly bits {@code [index, index + n)}: true when all were clear and are now set by us
     * (per word a volatile read and a weak volatile CAS, in a loop; a taken bit rolls back the words set).
     */
    boolean casClaimAt(int index, int n) {
        checkRange(index, n);
        int end = index + n;
        int firstWord = index >>> 6;
        int lastWord = (end - 1) >>> 6;
        for (int w = firstWord; w <= lastWord; w++) {
            long mask = maskOf(w, index, end);
            while (true) {
                long old = words.get(w);
                if ((old & mask) != 0) {
                    for (int r = firstWord; r < w; r++) {
                        casClearMask(r, maskOf(r, index, end));
                    }
                    return false;
                }
                if (words.weakCompareAndSetVolatile(w, old, old | mask)) {
                    break;
                }
            }
        }
        return true;
    }

    /** Clears bits {@code [index, index + n)} (a volatile CAS loop per word); true when all of them were set. */
    boolean casClear(int index, int n) {
        checkRange(index, n);
        int end = index + n;
        boolean allWereSet = true;
        for (int w = index >>> 6; w <= (end - 1) >>> 6; w++) {
            long mask = maskOf(w, index, end);
            long old = casClearMask(w, mask);
            allWereSet &= (old & mask) == mask;
        }
        return allWereSet;
    }

    /** Sets bits {@code [index, index + n)} (a volatile CAS loop per word); true when all of them were clear. */
    boolean casSet(int index, int n) {
        checkRange(index, n);
        int end = index + n;
        boolean allWereClear = true;
        for (int w = index >>> 6; w <= (end - 1) >>> 6; w++) {
            long mask = maskOf(w, index, end);
            long old = words.getAndAccumulate(w, mask, (o, m) -> o | m);
            allWereClear &= (old & mask) == 0;
        }
        return allWereClear;
    }

    /** True when every bit of {@code [index, index + n)} is set (volatile reads). */
    boolean getVolatileAllSet(int index, int n) {
        checkRange(index, n);
        int end = index + n;
        for (int w = index >>> 6; w <= (end - 1) >>> 6; w++) {
            long mask = maskOf(w, index, end);
            if ((words.get(w) & mask) != mask) {
                return false;
            }
        }
        return true;
    }

    /** True when some bit of {@code [index, index + n)} is set (volatile reads). */
    boolean getVolatileAnySet(int index, int n) {
        checkRange(index, n);
        int end = index + n;
        for (int w = index >>> 6; w <= (end - 1) >>> 6; w++) {
            if ((words.get(w) & maskOf(w, index, end)) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Bit {@code index}, read with volatile semantics. */
    boolean getVolatile(int index) {
        checkRange(index, 1);
        return (words.get(index >>> 6) & (1L << (index & 63))) != 0;
    }

    /**
     * Clears bit {@code index} if it is set: true for exactly one of several racing callers (the
     * one whose atomic update, a volatile CAS loop, cleared it).
     */
    boolean casClearOne(int index) {
        checkRange(index, 1);
        long bit = 1L << (index & 63);
        return (casClearMask(index >>> 6, bit) & bit) != 0;
    }

    /** The first set bit at or after {@code from}, or -1 (a racy scan of volatile reads: bits may change meanwhile). */
    int getVolatileNextSet(int from) {
        if (from < 0 || from >= bits) {
            return -1;
        }
        int w = from >>> 6;
        long word = words.get(w) & (-1L << (from & 63));
        while (true) {
            if (word != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(word);
                return i < bits ? i : -1;
            }
            if (++w >= words.length()) {
                return -1;
            }
            word = words.get(w);
        }
    }

    /** The number of set bits (volatile reads; racy while bits change). */
    int getVolatileCount() {
        int c = 0;
        for (int w = 0; w < words.length(); w++) {
            c += Long.bitCount(words.get(w));
        }
        return c;
    }

    /** Clears {@code mask} in word {@code w} (a volatile CAS loop); the word before. */
    private long casClearMask(int w, long mask) {
        return words.getAndAccumulate(w, mask, (o, m) -> o & ~m);
    }

    /** The first index at or after {@code from} that starts a run of {@code n} clear bits, or -1 (volatile reads). */
    private int findClearRun(int from, int n) {
        int runStart = from;
        int runLength = 0;
        int i = from;
        while (i < bits) {
            long word = words.get(i >>> 6);
            if ((i & 63) == 0 && word == -1L) {
                i += 64;
                runStart = i;
                runLength = 0;
                continue;
            }
            if ((word & (1L << (i & 63))) != 0) {
                runStart = i + 1;
                runLength = 0;
            } else if (++runLength == n) {
                return runStart;
            }
            i++;
        }
        return -1;
    }

    /** The bits of word {@code w} that lie in {@code [index, end)}. */
    private static long maskOf(int w, int index, int end) {
        int lo = Math.max(index, w << 6) - (w << 6);
        int hi = Math.min(end, (w + 1) << 6) - (w << 6);
        long upper = hi == 64 ? -1L : (1L << hi) - 1;
        return upper & (-1L << lo);
    }

    private static void checkCount(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("bit count must be positive: " + n);
        }
    }

    private void checkRange(int index, int n) {
        checkCount(n);
        if (index < 0 || index > bits - n) {
            throw new IndexOutOfBoundsException("bits [" + index + ", " + index + " + " + n + ") outside [0, " + bits + ")");
        }
    }
}
