package dev.nalloc.core.check;

import dev.nalloc.spi.OsPrimitives;

import java.security.SecureRandom;

/** Random keys: an instance secret from the OS and a mixer that derives per-page keys from it. */
public final class Keys {

    private Keys() {
    }

    /** 64 random bits from the OS layer (secure random bytes), or from {@link SecureRandom} if it fails. */
    public static long secret(OsPrimitives os) {
        byte[] b = new byte[8];
        if (os.randomBytes(b) != 0) {
            new SecureRandom().nextBytes(b);
        }
        long s = 0;
        for (byte x : b) {
            s = (s << 8) | (x & 0xff);
        }
        return s != 0 ? s : 0x2545F4914F6CDD1DL;
    }

    /** A strong 64-bit mixer (the splitmix64 finalizer): consecutive inputs give unrelated outputs. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
