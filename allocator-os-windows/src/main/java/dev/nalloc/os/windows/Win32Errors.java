package dev.nalloc.os.windows;

import java.util.Map;

/** Readable names for the Win32 error codes and NTSTATUS values this layer can report. */
final class Win32Errors {

    private Win32Errors() {
    }

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(Win32.ERROR_SUCCESS, "ERROR_SUCCESS: the operation completed successfully"),
            Map.entry(Win32.ERROR_ACCESS_DENIED, "ERROR_ACCESS_DENIED: access is denied"),
            Map.entry(Win32.ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE: the handle is invalid"),
            Map.entry(Win32.ERROR_NOT_ENOUGH_MEMORY, "ERROR_NOT_ENOUGH_MEMORY: not enough memory resources"),
            Map.entry(Win32.ERROR_OUTOFMEMORY, "ERROR_OUTOFMEMORY: not enough storage"),
            Map.entry(Win32.ERROR_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED: the request is not supported"),
            Map.entry(Win32.ERROR_PROC_NOT_FOUND, "ERROR_PROC_NOT_FOUND: the specified procedure could not be found"),
            Map.entry(Win32.ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER: the parameter is incorrect"),
            Map.entry(Win32.ERROR_INVALID_ADDRESS, "ERROR_INVALID_ADDRESS: attempt to access invalid address"),
            Map.entry(Win32.ERROR_NOT_ALL_ASSIGNED, "ERROR_NOT_ALL_ASSIGNED: not all privileges were assigned"),
            Map.entry(Win32.ERROR_NO_SUCH_PRIVILEGE, "ERROR_NO_SUCH_PRIVILEGE: a specified privilege does not exist"),
            Map.entry(Win32.ERROR_PRIVILEGE_NOT_HELD,
                    "ERROR_PRIVILEGE_NOT_HELD: a required privilege is not held (large pages need SeLockMemoryPrivilege)"),
            Map.entry(Win32.ERROR_COMMITMENT_LIMIT, "ERROR_COMMITMENT_LIMIT: the paging file is too small"),
            Map.entry(Win32.STATUS_INVALID_PARAMETER, "STATUS_INVALID_PARAMETER"),
            Map.entry(Win32.STATUS_DLL_NOT_FOUND, "STATUS_DLL_NOT_FOUND"));

    static String describe(int error) {
        String name = NAMES.get(error);
        return (name != null ? name : "Windows error " + Integer.toUnsignedString(error))
                + " (" + Integer.toUnsignedString(error) + ")";
    }
}
