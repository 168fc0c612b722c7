package dev.nalloc.os.windows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Enables {@code SeLockMemoryPrivilege} in the process token, which {@code MEM_LARGE_PAGES} needs
 * (mimalloc's {@code win_enable_large_os_pages}). Tried once; an account without the privilege
 * (the usual case) leaves large pages off and allocations fall back to regular pages.
 */
final class LockMemoryPrivilege {

    private final Kernel32Calls os;
    private volatile Boolean held;
    private volatile int failure;

    LockMemoryPrivilege(Kernel32Calls os) {
        this.os = os;
    }

    /** Whether the privilege is enabled, trying to enable it at the first call. */
    boolean ensureHeld() {
        Boolean known = held;
        if (known == null) {
            synchronized (this) {
                known = held;
                if (known == null) {
                    failure = enable();
                    known = failure == 0;
                    held = known;
                }
            }
        }
        return known;
    }

    /** The error that kept the privilege off (0 when held or not tried yet). */
    int failure() {
        return failure;
    }

    private int enable() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tokenOut = arena.allocate(JAVA_LONG);
            if (os.openProcessToken(Win32.CURRENT_PROCESS, Win32.TOKEN_ADJUST_PRIVILEGES | Win32.TOKEN_QUERY,
                    tokenOut) == 0) {
                return nonZero(os.getLastError());
            }
            long token = tokenOut.get(JAVA_LONG, 0);
            try {
                MemorySegment privileges = arena.allocate(WindowsStructs.TOKEN_PRIVILEGES_1);
                if (os.lookupPrivilegeValue(Win32.SE_LOCK_MEMORY_NAME,
                        privileges.asSlice(WindowsStructs.TP_LUID, WindowsStructs.LUID)) == 0) {
                    return nonZero(os.getLastError());
                }
                privileges.set(JAVA_INT, WindowsStructs.TP_COUNT, 1);
                privileges.set(JAVA_INT, WindowsStructs.TP_ATTRIBUTES, Win32.SE_PRIVILEGE_ENABLED);
                int ok = os.adjustTokenPrivileges(token, 0, privileges, 0, MemorySegment.NULL, MemorySegment.NULL);
                // Succeeds even when the account lacks the privilege: then the last error says NOT_ALL_ASSIGNED.
                int error = os.getLastError();
                if (ok == 0) {
                    return nonZero(error);
                }
                return error;
            } finally {
                os.closeHandle(token);
            }
        }
    }

    private static int nonZero(int error) {
        return error != 0 ? error : Win32.ERROR_PRIVILEGE_NOT_HELD;
    }
}
