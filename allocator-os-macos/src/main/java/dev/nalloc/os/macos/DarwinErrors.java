package dev.nalloc.os.macos;

import java.util.Map;

/** Readable names for the Darwin {@code errno} values this layer can report. */
final class DarwinErrors {

    private DarwinErrors() {
    }

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(0, "success"),
            Map.entry(Darwin.EPERM, "EPERM: operation not permitted"),
            Map.entry(Darwin.EIO, "EIO: input/output error"),
            Map.entry(Darwin.ENOMEM, "ENOMEM: cannot allocate memory"),
            Map.entry(Darwin.EACCES, "EACCES: permission denied"),
            Map.entry(Darwin.EFAULT, "EFAULT: bad address"),
            Map.entry(Darwin.EINVAL, "EINVAL: invalid argument"),
            Map.entry(Darwin.EAGAIN, "EAGAIN: resource temporarily unavailable"),
            Map.entry(Darwin.ENOTSUP, "ENOTSUP: operation not supported"),
            Map.entry(Darwin.ENOSYS, "ENOSYS: function not implemented"));

    static String describe(int errno) {
        String name = NAMES.get(errno);
        return (name != null ? name : "errno " + errno) + " (" + errno + ")";
    }
}
