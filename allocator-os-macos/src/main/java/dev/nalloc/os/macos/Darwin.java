package dev.nalloc.os.macos;

/** Constants of the Darwin (XNU) headers that the macOS layer passes to the kernel. */
final class Darwin {

    private Darwin() {
    }

    // <sys/mman.h>
    static final int PROT_NONE = 0x0;
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int PROT_EXEC = 0x4;
    static final int MAP_SHARED = 0x1;
    static final int MAP_PRIVATE = 0x2;
    static final int MAP_FIXED = 0x10;
    /** Accepted and ignored by XNU; passed as mimalloc does when it assumes overcommit. */
    static final int MAP_NORESERVE = 0x40;
    static final int MAP_ANON = 0x1000;
    static final long MAP_FAILED = -1L;

    static final int MADV_NORMAL = 0;
    static final int MADV_DONTNEED = 4;
    static final int MADV_FREE = 5;
    /** Pages may be reclaimed; the task's footprint drops at once (unlike MADV_FREE). */
    static final int MADV_FREE_REUSABLE = 7;
    /** Undoes MADV_FREE_REUSABLE's accounting before the pages are used again. */
    static final int MADV_FREE_REUSE = 8;

    // <mach/vm_statistics.h>: flags carried in mmap's fd argument for anonymous memory
    static final int VM_FLAGS_SUPERPAGE_SHIFT = 16;
    static final int SUPERPAGE_SIZE_2MB = 2;
    static final int VM_FLAGS_SUPERPAGE_SIZE_2MB = SUPERPAGE_SIZE_2MB << VM_FLAGS_SUPERPAGE_SHIFT;
    /** The tag shown by vmmap/Instruments; 100 is the first tag free for applications. */
    static final int NALLOC_VM_TAG = 100;

    static int vmMakeTag(int tag) {
        return tag << 24;
    }

    // <sys/resource.h>
    static final int RUSAGE_SELF = 0;
    static final int RUSAGE_INFO_V2 = 2;
    static final int RUSAGE_INFO_V4 = 4;

    // <sys/errno.h>
    static final int EPERM = 1;
    static final int EIO = 5;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EINVAL = 22;
    static final int EAGAIN = 35;
    static final int ENOTSUP = 45;
    static final int ENOSYS = 78;

    /** getentropy(2) refuses more than this many bytes per call. */
    static final int GETENTROPY_MAX = 256;
}
