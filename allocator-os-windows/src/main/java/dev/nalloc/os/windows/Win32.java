package dev.nalloc.os.windows;

/** Constants of the Windows SDK headers ({@code winnt.h}, {@code winerror.h}, {@code bcrypt.h}) this layer uses. */
final class Win32 {

    private Win32() {
    }

    // VirtualAlloc allocation types
    static final int MEM_COMMIT = 0x0000_1000;
    static final int MEM_RESERVE = 0x0000_2000;
    static final int MEM_RESET = 0x0008_0000;
    static final int MEM_LARGE_PAGES = 0x2000_0000;
    // VirtualFree free types
    static final int MEM_DECOMMIT = 0x0000_4000;
    static final int MEM_RELEASE = 0x0000_8000;
    // MEMORY_BASIC_INFORMATION.State
    static final int MEM_FREE = 0x0001_0000;
    // page protections
    static final int PAGE_NOACCESS = 0x01;
    static final int PAGE_READWRITE = 0x04;

    /** {@code MEM_EXTENDED_PARAMETER_TYPE}: the parameter points to a {@code MEM_ADDRESS_REQUIREMENTS}. */
    static final int MEM_EXTENDED_PARAMETER_ADDRESS_REQUIREMENTS = 1;

    /** {@code GetCurrentProcess()} always returns this pseudo-handle. */
    static final long CURRENT_PROCESS = -1L;

    // token privileges for large pages
    static final int TOKEN_ADJUST_PRIVILEGES = 0x0020;
    static final int TOKEN_QUERY = 0x0008;
    static final int SE_PRIVILEGE_ENABLED = 0x0000_0002;
    static final String SE_LOCK_MEMORY_NAME = "SeLockMemoryPrivilege";

    // bcrypt
    static final int BCRYPT_USE_SYSTEM_PREFERRED_RNG = 0x0000_0002;
    static final int STATUS_SUCCESS = 0;
    static final int STATUS_INVALID_PARAMETER = 0xC000_000D;
    static final int STATUS_DLL_NOT_FOUND = 0xC000_0135;

    // winerror.h
    static final int ERROR_SUCCESS = 0;
    static final int ERROR_ACCESS_DENIED = 5;
    static final int ERROR_NOT_ENOUGH_MEMORY = 8;
    static final int ERROR_INVALID_HANDLE = 6;
    static final int ERROR_OUTOFMEMORY = 14;
    static final int ERROR_NOT_SUPPORTED = 50;
    static final int ERROR_PROC_NOT_FOUND = 127;
    static final int ERROR_INVALID_PARAMETER = 87;
    static final int ERROR_INVALID_ADDRESS = 487;
    static final int ERROR_NOT_ALL_ASSIGNED = 1300;
    static final int ERROR_NO_SUCH_PRIVILEGE = 1313;
    static final int ERROR_PRIVILEGE_NOT_HELD = 1314;
    static final int ERROR_COMMITMENT_LIMIT = 1455;

    /** FILETIME counts 100 ns ticks since 1601-01-01; this many of them lie before 1970-01-01. */
    static final long FILETIME_UNIX_EPOCH = 116_444_736_000_000_000L;
}
