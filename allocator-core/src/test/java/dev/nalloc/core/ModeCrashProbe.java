package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.SegmentMap;
import dev.nalloc.spi.ErrorHandler;
import dev.nalloc.spi.OsPrimitives;
import dev.nalloc.core.page.PageProbes;

/**
 * The child-JVM half of {@link ModeCrashTest}: each scenario makes a write that must kill the
 * process (a guard page) or a misuse the aborting handler must end it on. It prints
 * {@value #BEFORE} right before the fatal step and {@value #SURVIVED} only if the process lives on.
 *
 * <p>Scenarios: {@code guarded-precise} (the byte right after a sampled block of 100 bytes),
 * {@code guarded} (the first byte after the 16-byte-rounded span), {@code page-guard} (the first
 * byte of the guard page at the end of a SECURE small page, after its last block and the slack
 * before the guard), {@code abort} (a double free with the
 * aborting handler), and {@code control} (the last byte inside a guarded block: must survive).
 */
public final class ModeCrashProbe {

    static final String BEFORE = "probe: about to write";
    static final String SURVIVED = "probe: survived";

    private ModeCrashProbe() {
    }

    public static void main(String[] args) {
        String scenario = args[0];
        var b = Allocator.builder().os(OsPrimitives.best()).readEnvironment(false).option(Option.ARENA_RESERVE, 64L << 20);
        switch (scenario) {
            case "guarded-precise", "control" -> b.mode(Mode.CHECKED).option(Option.GUARDED_SAMPLE_RATE, 1)
                    .option(Option.GUARDED_PRECISE, 1);
            case "guarded" -> b.mode(Mode.SECURE).option(Option.GUARDED_SAMPLE_RATE, 1);
            case "page-guard" -> b.mode(Mode.SECURE);
            case "abort" -> b.mode(Mode.CHECKED).errorHandler(ErrorHandler.aborting());
            default -> throw new IllegalArgumentException(scenario);
        }
        Allocator a = b.build();
        long target;
        long p = a.malloc(100);
        switch (scenario) {
            case "guarded-precise" -> {
                for (long i = 0; i < 100; i++) {
                    Mem.storeByte(p + i, (byte) i); // every byte of the block is fine
                }
                target = p + 100;
            }
            case "control" -> target = p + 99;
            case "guarded" -> {
                Mem.storeByte(p + 111, (byte) 1); // the rounding slack before the guard is still writable
                target = p + 112;
            }
            case "page-guard" -> {
                Page page = Page.of(SegmentMap.lookup(p), p);
                long last = page.areaStart() + (long) (page.reserved() - 1) * page.blockSize();
                // The last block, then the slack up to the guard (less than a block) are writable.
                for (long x = last; x < PageProbes.guard(page.mode()); x++) {
                    Mem.storeByte(x, (byte) 1);
                }
                if (PageProbes.guard(page.mode()) == 0 || PageProbes.guard(page.mode()) - (last + page.blockSize()) >= page.blockSize()) {
                    System.out.println("probe: no guard within a block after the last block");
                    System.exit(5);
                }
                target = PageProbes.guard(page.mode());
            }
            default -> {
                a.free(p);
                System.out.println(BEFORE);
                System.out.flush();
                a.free(p);
                System.out.println(SURVIVED);
                System.exit(0);
                return;
            }
        }
        System.out.println(BEFORE);
        System.out.flush();
        Mem.storeByte(target, (byte) 0x41);
        System.out.println(SURVIVED);
        System.out.flush();
        System.exit(0);
    }
}
