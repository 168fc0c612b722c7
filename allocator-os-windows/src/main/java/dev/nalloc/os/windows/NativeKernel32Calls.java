package dev.nalloc.os.windows;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@link Kernel32Calls} by FFM downcalls. Constructing it loads no library: each DLL's handles live in
 * a holder class that the JVM initialises, once, at the first call into that DLL. So it is safe to
 * create on any OS, and a missing bcrypt.dll only affects {@link #bcryptGenRandom}.
 */
@SuppressWarnings("restricted") // linking DLLs is this class's job; the module is granted native access
final class NativeKernel32Calls implements Kernel32Calls {

    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Capture.LAYOUT));

    @Override
    public int getLastError() {
        return (int) Capture.LAST_ERROR.get(CALL_STATE.get(), 0L);
    }

    @Override
    public long virtualAlloc(long address, long size, int allocationType, int protect) {
        try {
            return (long) Kernel32.VIRTUAL_ALLOC.invokeExact(CALL_STATE.get(), address, size, allocationType, protect);
        } catch (Throwable t) {
            throw failure("VirtualAlloc", t);
        }
    }

    @Override
    public long virtualAlloc2(long process, long address, long size, int allocationType, int protect,
                              MemorySegment parameters, int parameterCount) {
        MethodHandle virtualAlloc2;
        try {
            virtualAlloc2 = KernelBase.VIRTUAL_ALLOC_2;
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            // Windows before 10 1803: report it as Windows reports a missing export.
            Capture.LAST_ERROR.set(CALL_STATE.get(), 0L, Win32.ERROR_PROC_NOT_FOUND);
            return 0;
        }
        try {
            return (long) virtualAlloc2.invokeExact(CALL_STATE.get(), process, address, size, allocationType, protect,
                    parameters, parameterCount);
        } catch (Throwable t) {
            throw failure("VirtualAlloc2", t);
        }
    }

    @Override
    public int virtualFree(long address, long size, int freeType) {
        try {
            return (int) Kernel32.VIRTUAL_FREE.invokeExact(CALL_STATE.get(), address, size, freeType);
        } catch (Throwable t) {
            throw failure("VirtualFree", t);
        }
    }

    @Override
    public int virtualProtect(long address, long size, int newProtect, MemorySegment oldProtect) {
        try {
            return (int) Kernel32.VIRTUAL_PROTECT.invokeExact(CALL_STATE.get(), address, size, newProtect, oldProtect);
        } catch (Throwable t) {
            throw failure("VirtualProtect", t);
        }
    }

    @Override
    public long virtualQuery(long address, MemorySegment buffer, long length) {
        try {
            return (long) Kernel32.VIRTUAL_QUERY.invokeExact(CALL_STATE.get(), address, buffer, length);
        } catch (Throwable t) {
            throw failure("VirtualQuery", t);
        }
    }

    @Override
    public long virtualAllocExNuma(long process, long address, long size, int allocationType, int protect, int node) {
        try {
            return (long) Kernel32.VIRTUAL_ALLOC_EX_NUMA.invokeExact(CALL_STATE.get(), process, address, size,
                    allocationType, protect, node);
        } catch (Throwable t) {
            throw failure("VirtualAllocExNuma", t);
        }
    }

    @Override
    public void getSystemInfo(MemorySegment systemInfo) {
        try {
            Kernel32.GET_SYSTEM_INFO.invokeExact(systemInfo);
        } catch (Throwable t) {
            throw failure("GetSystemInfo", t);
        }
    }

    @Override
    public int globalMemoryStatusEx(MemorySegment status) {
        try {
            return (int) Kernel32.GLOBAL_MEMORY_STATUS_EX.invokeExact(CALL_STATE.get(), status);
        } catch (Throwable t) {
            throw failure("GlobalMemoryStatusEx", t);
        }
    }

    @Override
    public long getLargePageMinimum() {
        try {
            return (long) Kernel32.GET_LARGE_PAGE_MINIMUM.invokeExact();
        } catch (Throwable t) {
            throw failure("GetLargePageMinimum", t);
        }
    }

    @Override
    public int getNumaHighestNodeNumber(MemorySegment highestNode) {
        try {
            return (int) Kernel32.GET_NUMA_HIGHEST_NODE_NUMBER.invokeExact(CALL_STATE.get(), highestNode);
        } catch (Throwable t) {
            throw failure("GetNumaHighestNodeNumber", t);
        }
    }

    @Override
    public int getNumaNodeProcessorMaskEx(short node, MemorySegment groupAffinity) {
        try {
            return (int) Kernel32.GET_NUMA_NODE_PROCESSOR_MASK_EX.invokeExact(CALL_STATE.get(), node, groupAffinity);
        } catch (Throwable t) {
            throw failure("GetNumaNodeProcessorMaskEx", t);
        }
    }

    @Override
    public int getCurrentThreadId() {
        try {
            return (int) Kernel32.GET_CURRENT_THREAD_ID.invokeExact();
        } catch (Throwable t) {
            throw failure("GetCurrentThreadId", t);
        }
    }

    @Override
    public void getCurrentProcessorNumberEx(MemorySegment processorNumber) {
        try {
            Kernel32.GET_CURRENT_PROCESSOR_NUMBER_EX.invokeExact(processorNumber);
        } catch (Throwable t) {
            throw failure("GetCurrentProcessorNumberEx", t);
        }
    }

    @Override
    public int getNumaProcessorNodeEx(MemorySegment processorNumber, MemorySegment nodeNumber) {
        try {
            return (int) Kernel32.GET_NUMA_PROCESSOR_NODE_EX.invokeExact(CALL_STATE.get(), processorNumber, nodeNumber);
        } catch (Throwable t) {
            throw failure("GetNumaProcessorNodeEx", t);
        }
    }

    @Override
    public int k32GetProcessMemoryInfo(long process, MemorySegment counters, int size) {
        try {
            return (int) Kernel32.K32_GET_PROCESS_MEMORY_INFO.invokeExact(CALL_STATE.get(), process, counters, size);
        } catch (Throwable t) {
            throw failure("K32GetProcessMemoryInfo", t);
        }
    }

    @Override
    public int getProcessTimes(long process, MemorySegment creation, MemorySegment exit, MemorySegment kernel,
                               MemorySegment user) {
        try {
            return (int) Kernel32.GET_PROCESS_TIMES.invokeExact(CALL_STATE.get(), process, creation, exit, kernel, user);
        } catch (Throwable t) {
            throw failure("GetProcessTimes", t);
        }
    }

    @Override
    public int openProcessToken(long process, int desiredAccess, MemorySegment token) {
        try {
            return (int) Advapi32.OPEN_PROCESS_TOKEN.invokeExact(CALL_STATE.get(), process, desiredAccess, token);
        } catch (Throwable t) {
            throw failure("OpenProcessToken", t);
        }
    }

    @Override
    public int lookupPrivilegeValue(String name, MemorySegment luid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment wideName = arena.allocateFrom(name, StandardCharsets.UTF_16LE);
            return (int) Advapi32.LOOKUP_PRIVILEGE_VALUE_W.invokeExact(CALL_STATE.get(), MemorySegment.NULL, wideName,
                    luid);
        } catch (Throwable t) {
            throw failure("LookupPrivilegeValueW", t);
        }
    }

    @Override
    public int adjustTokenPrivileges(long token, int disableAll, MemorySegment newState, int bufferLength,
                                     MemorySegment previousState, MemorySegment returnLength) {
        try {
            return (int) Advapi32.ADJUST_TOKEN_PRIVILEGES.invokeExact(CALL_STATE.get(), token, disableAll, newState,
                    bufferLength, previousState, returnLength);
        } catch (Throwable t) {
            throw failure("AdjustTokenPrivileges", t);
        }
    }

    @Override
    public int closeHandle(long handle) {
        try {
            return (int) Kernel32.CLOSE_HANDLE.invokeExact(CALL_STATE.get(), handle);
        } catch (Throwable t) {
            throw failure("CloseHandle", t);
        }
    }

    @Override
    public int bcryptGenRandom(long algorithm, MemorySegment buffer, int length, int flags) {
        MethodHandle genRandom;
        try {
            genRandom = BCrypt.GEN_RANDOM;
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            return Win32.STATUS_DLL_NOT_FOUND; // bcrypt.dll missing: the caller falls back
        }
        try {
            return (int) genRandom.invokeExact(algorithm, buffer, length, flags);
        } catch (Throwable t) {
            throw failure("BCryptGenRandom", t);
        }
    }

    private static IllegalStateException failure(String function, Throwable t) {
        return new IllegalStateException("downcall to " + function + " failed: " + t, t);
    }

    /** The GetLastError capture, shared by every DLL's handles. */
    private static final class Capture {
        static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
        static final VarHandle LAST_ERROR = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("GetLastError"));
        static final Linker.Option OPTION = Linker.Option.captureCallState("GetLastError");
    }

    private static MethodHandle link(SymbolLookup library, String dll, String name, FunctionDescriptor descriptor,
                                     Linker.Option... options) {
        MemorySegment symbol = library.find(name).orElseThrow(() ->
                new UnsatisfiedLinkError(dll + " has no symbol " + name));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor, options);
    }

    private static final class Kernel32 {
        private static final SymbolLookup DLL = SymbolLookup.libraryLookup("kernel32", Arena.global());

        private static MethodHandle lastError(String name, FunctionDescriptor descriptor) {
            return link(DLL, "kernel32", name, descriptor, Capture.OPTION);
        }

        static final MethodHandle VIRTUAL_ALLOC = lastError("VirtualAlloc",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT));
        static final MethodHandle VIRTUAL_FREE = lastError("VirtualFree",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final MethodHandle VIRTUAL_PROTECT = lastError("VirtualProtect",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
        static final MethodHandle VIRTUAL_QUERY = lastError("VirtualQuery",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG));
        static final MethodHandle VIRTUAL_ALLOC_EX_NUMA = lastError("VirtualAllocExNuma",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle GET_SYSTEM_INFO = link(DLL, "kernel32", "GetSystemInfo",
                FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle GLOBAL_MEMORY_STATUS_EX = lastError("GlobalMemoryStatusEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle GET_LARGE_PAGE_MINIMUM = link(DLL, "kernel32", "GetLargePageMinimum",
                FunctionDescriptor.of(JAVA_LONG));
        static final MethodHandle GET_NUMA_HIGHEST_NODE_NUMBER = lastError("GetNumaHighestNodeNumber",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle GET_NUMA_NODE_PROCESSOR_MASK_EX = lastError("GetNumaNodeProcessorMaskEx",
                FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
        // reads the thread environment block: cannot block, sets no last error
        static final MethodHandle GET_CURRENT_THREAD_ID = link(DLL, "kernel32", "GetCurrentThreadId",
                FunctionDescriptor.of(JAVA_INT), Linker.Option.critical(false));
        static final MethodHandle GET_CURRENT_PROCESSOR_NUMBER_EX = link(DLL, "kernel32",
                "GetCurrentProcessorNumberEx", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle GET_NUMA_PROCESSOR_NODE_EX = lastError("GetNumaProcessorNodeEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle K32_GET_PROCESS_MEMORY_INFO = lastError("K32GetProcessMemoryInfo",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
        static final MethodHandle GET_PROCESS_TIMES = lastError("GetProcessTimes",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle CLOSE_HANDLE = lastError("CloseHandle",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    }

    private static final class KernelBase {
        private static final SymbolLookup DLL = SymbolLookup.libraryLookup("kernelbase", Arena.global());

        static final MethodHandle VIRTUAL_ALLOC_2 = link(DLL, "kernelbase", "VirtualAlloc2",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
                Capture.OPTION);
    }

    private static final class Advapi32 {
        private static final SymbolLookup DLL = SymbolLookup.libraryLookup("advapi32", Arena.global());

        static final MethodHandle OPEN_PROCESS_TOKEN = link(DLL, "advapi32", "OpenProcessToken",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS), Capture.OPTION);
        static final MethodHandle LOOKUP_PRIVILEGE_VALUE_W = link(DLL, "advapi32", "LookupPrivilegeValueW",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), Capture.OPTION);
        static final MethodHandle ADJUST_TOKEN_PRIVILEGES = link(DLL, "advapi32", "AdjustTokenPrivileges",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS),
                Capture.OPTION);
    }

    private static final class BCrypt {
        private static final SymbolLookup DLL = SymbolLookup.libraryLookup("bcrypt", Arena.global());

        static final MethodHandle GEN_RANDOM = link(DLL, "bcrypt", "BCryptGenRandom",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT));
    }
}
