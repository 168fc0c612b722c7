package dev.nalloc.os.linux;

import java.util.Map;

/**
 * Readable names of the {@code errno} values the memory calls report. A table rather than a
 * {@code strerror} downcall: the text is the same on every Linux, needs no native call, and the
 * symbolic name is what people search for.
 */
final class Errno {

    private Errno() {
    }

    private static final Map<Integer, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry(1, "EPERM: operation not permitted"),
            Map.entry(2, "ENOENT: no such file or directory"),
            Map.entry(4, "EINTR: interrupted system call"),
            Map.entry(5, "EIO: input/output error"),
            Map.entry(9, "EBADF: bad file descriptor"),
            Map.entry(11, "EAGAIN: resource temporarily unavailable"),
            Map.entry(12, "ENOMEM: cannot allocate memory"),
            Map.entry(13, "EACCES: permission denied"),
            Map.entry(14, "EFAULT: bad address"),
            Map.entry(16, "EBUSY: device or resource busy"),
            Map.entry(17, "EEXIST: file exists"),
            Map.entry(19, "ENODEV: no such device"),
            Map.entry(22, "EINVAL: invalid argument"),
            Map.entry(23, "ENFILE: too many open files in system"),
            Map.entry(24, "EMFILE: too many open files"),
            Map.entry(27, "EFBIG: file too large"),
            Map.entry(28, "ENOSPC: no space left on device"),
            Map.entry(34, "ERANGE: numerical result out of range"),
            Map.entry(38, "ENOSYS: function not implemented"),
            Map.entry(75, "EOVERFLOW: value too large for defined data type"),
            Map.entry(95, "EOPNOTSUPP: operation not supported"));

    /** For example {@code "ENOMEM: cannot allocate memory (errno 12)"}. */
    static String describe(int errno) {
        if (errno == 0) {
            return "success (errno 0)";
        }
        String d = DESCRIPTIONS.get(errno);
        return (d != null ? d : "unknown error") + " (errno " + errno + ")";
    }
}
