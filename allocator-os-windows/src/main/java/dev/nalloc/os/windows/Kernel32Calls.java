package dev.nalloc.os.windows;

import java.lang.foreign.MemorySegment;

/**
 * Exactly the Win32 functions the Windows layer uses (kernel32, plus the token calls of advapi32 and
 * {@code BCryptGenRandom} of bcrypt), with their C signatures: addresses and sizes as {@code long},
 * {@code BOOL} as {@code int}, structs and out-parameters as {@link MemorySegment}s. A failing call
 * returns what C returns ({@code NULL}, {@code FALSE}) and leaves its error for {@link #getLastError()},
 * per thread, as Windows does.
 *
 * <p>{@link NativeKernel32Calls} calls the real functions; tests use a simulated kernel.
 */
interface Kernel32Calls {

    /** {@code DWORD GetLastError(void)} as captured right after the calling thread's last call. */
    int getLastError();

    /** {@code LPVOID VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize, DWORD flAllocationType, DWORD flProtect)}. */
    long virtualAlloc(long address, long size, int allocationType, int protect);

    /**
     * {@code PVOID VirtualAlloc2(HANDLE Process, PVOID BaseAddress, SIZE_T Size, ULONG AllocationType,
     * ULONG PageProtection, MEM_EXTENDED_PARAMETER *ExtendedParameters, ULONG ParameterCount)} (kernelbase,
     * Windows 10 1803 and later). Where it does not exist it fails with {@code ERROR_PROC_NOT_FOUND}.
     */
    long virtualAlloc2(long process, long address, long size, int allocationType, int protect,
                       MemorySegment parameters, int parameterCount);

    /** {@code BOOL VirtualFree(LPVOID lpAddress, SIZE_T dwSize, DWORD dwFreeType)}. */
    int virtualFree(long address, long size, int freeType);

    /** {@code BOOL VirtualProtect(LPVOID lpAddress, SIZE_T dwSize, DWORD flNewProtect, PDWORD lpflOldProtect)}. */
    int virtualProtect(long address, long size, int newProtect, MemorySegment oldProtect);

    /** {@code SIZE_T VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer, SIZE_T dwLength)}. */
    long virtualQuery(long address, MemorySegment buffer, long length);

    /**
     * {@code LPVOID VirtualAllocExNuma(HANDLE hProcess, LPVOID lpAddress, SIZE_T dwSize, DWORD flAllocationType,
     * DWORD flProtect, DWORD nndPreferred)}.
     */
    long virtualAllocExNuma(long process, long address, long size, int allocationType, int protect, int node);

    /** {@code void GetSystemInfo(LPSYSTEM_INFO lpSystemInfo)}. */
    void getSystemInfo(MemorySegment systemInfo);

    /** {@code BOOL GlobalMemoryStatusEx(LPMEMORYSTATUSEX lpBuffer)}; {@code dwLength} must be set first. */
    int globalMemoryStatusEx(MemorySegment status);

    /** {@code SIZE_T GetLargePageMinimum(void)}: 0 when the processor has no large pages. */
    long getLargePageMinimum();

    /** {@code BOOL GetNumaHighestNodeNumber(PULONG HighestNodeNumber)}. */
    int getNumaHighestNodeNumber(MemorySegment highestNode);

    /** {@code BOOL GetNumaNodeProcessorMaskEx(USHORT Node, PGROUP_AFFINITY ProcessorMask)}. */
    int getNumaNodeProcessorMaskEx(short node, MemorySegment groupAffinity);

    /** {@code DWORD GetCurrentThreadId(void)}: the calling OS thread (a virtual thread's carrier); 0 when unknown. */
    default int getCurrentThreadId() {
        return 0;
    }

    /** {@code void GetCurrentProcessorNumberEx(PPROCESSOR_NUMBER ProcNumber)}. */
    void getCurrentProcessorNumberEx(MemorySegment processorNumber);

    /** {@code BOOL GetNumaProcessorNodeEx(PPROCESSOR_NUMBER Processor, PUSHORT NodeNumber)}. */
    int getNumaProcessorNodeEx(MemorySegment processorNumber, MemorySegment nodeNumber);

    /** {@code BOOL K32GetProcessMemoryInfo(HANDLE Process, PPROCESS_MEMORY_COUNTERS ppsmemCounters, DWORD cb)}. */
    int k32GetProcessMemoryInfo(long process, MemorySegment counters, int size);

    /**
     * {@code BOOL GetProcessTimes(HANDLE hProcess, LPFILETIME lpCreationTime, LPFILETIME lpExitTime,
     * LPFILETIME lpKernelTime, LPFILETIME lpUserTime)}.
     */
    int getProcessTimes(long process, MemorySegment creation, MemorySegment exit, MemorySegment kernel,
                        MemorySegment user);

    /** {@code BOOL OpenProcessToken(HANDLE ProcessHandle, DWORD DesiredAccess, PHANDLE TokenHandle)} (advapi32). */
    int openProcessToken(long process, int desiredAccess, MemorySegment token);

    /** {@code BOOL LookupPrivilegeValueW(LPCWSTR lpSystemName, LPCWSTR lpName, PLUID lpLuid)} on the local system (advapi32). */
    int lookupPrivilegeValue(String name, MemorySegment luid);

    /**
     * {@code BOOL AdjustTokenPrivileges(HANDLE TokenHandle, BOOL DisableAllPrivileges, PTOKEN_PRIVILEGES NewState,
     * DWORD BufferLength, PTOKEN_PRIVILEGES PreviousState, PDWORD ReturnLength)} (advapi32). Succeeds with
     * {@code ERROR_NOT_ALL_ASSIGNED} as last error when the account lacks the privilege.
     */
    int adjustTokenPrivileges(long token, int disableAll, MemorySegment newState, int bufferLength,
                              MemorySegment previousState, MemorySegment returnLength);

    /** {@code BOOL CloseHandle(HANDLE hObject)}. */
    int closeHandle(long handle);

    /**
     * {@code NTSTATUS BCryptGenRandom(BCRYPT_ALG_HANDLE hAlgorithm, PUCHAR pbBuffer, ULONG cbBuffer, ULONG dwFlags)}
     * (bcrypt); 0 on success. Reports {@code STATUS_DLL_NOT_FOUND} when bcrypt.dll cannot be loaded.
     */
    int bcryptGenRandom(long algorithm, MemorySegment buffer, int length, int flags);
}
