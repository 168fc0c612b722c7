package dev.nalloc.api;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * A native-memory allocator with mimalloc's design and semantics (the {@code mi_*} family).
 *
 * <p>Addresses are raw native addresses as {@code long}; {@code 0} means NULL. Sizes are bytes.
 * All methods are thread-safe; any thread may free any block of this allocator. Instances never
 * share blocks: a block is freed through the allocator that returned it.
 *
 * <h2>Errors</h2>
 * <ul>
 *   <li>A negative size, count or offset, or an alignment that is not a positive power of two:
 *       {@link IllegalArgumentException}, nothing allocated.</li>
 *   <li>Out of memory, or a size too large to ever satisfy: the {@code long} methods return 0,
 *       the {@link MemorySegment} methods throw {@link OutOfMemoryError}.</li>
 *   <li>Freeing (or asking about) an address this allocator never returned: an
 *       {@link AllocatorMisuseException} of kind {@link ErrorKind#INVALID_FREE} through the
 *       configured {@link dev.nalloc.spi.ErrorHandler}; nothing in the allocator changes.</li>
 * </ul>
 *
 * <p>Obtain one with {@link #global()} or {@link #builder()}.
 */
public interface Allocator extends SegmentAllocator, AutoCloseable {

    /**
     * The process-wide allocator, built on first use from the {@link dev.nalloc.spi.AllocatorProvider}
     * and the {@link dev.nalloc.spi.OsPrimitives} found with {@link java.util.ServiceLoader} and
     * configured from the options ({@code NALLOC_<OPTION>} environment variables and
     * {@code nalloc.<option>} system properties; the property wins).
     *
     * @return the global allocator (the same instance every time)
     * @throws IllegalStateException when no provider or no supported OS layer is on the path
     *                               (the message names the artifact to add)
     */
    static Allocator global() {
        return Providers.global();
    }

    /**
     * {@return a builder of an independent allocator instance} Close the instance when done: its
     * memory goes back to the OS.
     */
    static AllocatorBuilder builder() {
        return new AllocatorBuilder();
    }

    /**
     * Nalloc's version (mimalloc's {@code mi_version}), as Maven and the module descriptor name it,
     * for example {@code "0.1.0"}; {@code "unknown"} when the jar was repackaged without its
     * module descriptor.
     *
     * @return the version of the {@code dev.nalloc.api} module
     */
    static String version() {
        return NallocVersion.get();
    }

    // ---------------------------------------------------------------------------------------
    // Allocation
    // ---------------------------------------------------------------------------------------

    /**
     * Allocates {@code size} bytes (mi_malloc); their contents are undefined.
     *
     * @param size bytes, {@code >= 0}; {@code malloc(0)} returns a unique non-zero address
     * @return the block's address, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} is negative
     */
    long malloc(long size);

    /**
     * Allocates {@code size} zero-filled bytes (mi_zalloc).
     *
     * @param size bytes, {@code >= 0}
     * @return the block's address, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} is negative
     */
    long zalloc(long size);

    /**
     * Allocates {@code count * size} zero-filled bytes (mi_calloc).
     *
     * @param count number of elements, {@code >= 0}
     * @param size  bytes per element, {@code >= 0}
     * @return the block's address, or 0 when out of memory or when the product overflows
     * @throws IllegalArgumentException when {@code count} or {@code size} is negative
     */
    long calloc(long count, long size);

    /**
     * Allocates {@code count * size} bytes, not cleared (mi_mallocn).
     *
     * @param count number of elements, {@code >= 0}
     * @param size  bytes per element, {@code >= 0}
     * @return the block's address, or 0 when out of memory or when the product overflows
     * @throws IllegalArgumentException when {@code count} or {@code size} is negative
     */
    long mallocn(long count, long size);

    /**
     * Re-allocates a block to {@code newSize} bytes, keeping its contents up to the smaller size.
     * {@code address == 0} acts as {@link #malloc}. Stays in place when the new size fits the block
     * and does not waste more than half of it (mimalloc's rule). On failure returns 0 and the old
     * block is untouched.
     *
     * @param address a block of this allocator, or 0
     * @param newSize bytes, {@code >= 0}
     * @return the (possibly moved) block's address, or 0 when out of memory
     * @throws IllegalArgumentException when {@code newSize} is negative
     */
    long realloc(long address, long newSize);

    /**
     * Like {@link #realloc} but frees the old block when the re-allocation fails for lack of memory
     * (mimalloc's {@code mi_reallocf}); an address that is not a block is reported and left alone.
     *
     * @param address a block of this allocator, or 0
     * @param newSize bytes, {@code >= 0}
     * @return the new block's address, or 0 when out of memory (the old block is then freed)
     * @throws IllegalArgumentException when {@code newSize} is negative
     */
    long reallocf(long address, long newSize);

    /**
     * Re-sizes a block in place only (mi_expand).
     *
     * @param address a block of this allocator, or 0
     * @param newSize bytes, {@code >= 0}
     * @return {@code address} when the block's usable size covers {@code newSize}, otherwise 0
     *         (the block is unchanged; {@code expand(0, n)} is 0)
     */
    long expand(long address, long newSize);

    /**
     * Allocates {@code size} bytes aligned to {@code alignment} (mi_malloc_aligned).
     *
     * @param size      bytes, {@code >= 0}
     * @param alignment a positive power of two
     * @return the block's address, a multiple of {@code alignment}, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} is negative or {@code alignment} is not a
     *                                  positive power of two
     */
    long mallocAligned(long size, long alignment);

    /**
     * Allocates {@code size} bytes such that {@code (address + offset) % alignment == 0}
     * (mi_malloc_aligned_at).
     *
     * @param size      bytes, {@code >= 0}
     * @param alignment a positive power of two
     * @param offset    the offset inside the block that is aligned, {@code >= 0}
     * @return the block's address, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} or {@code offset} is negative or
     *                                  {@code alignment} is not a positive power of two
     */
    long mallocAlignedAt(long size, long alignment, long offset);

    /**
     * Allocates {@code size} zero-filled bytes aligned to {@code alignment} (mi_zalloc_aligned).
     *
     * @param size      bytes, {@code >= 0}
     * @param alignment a positive power of two
     * @return the block's address, a multiple of {@code alignment}, or 0 when out of memory
     * @throws IllegalArgumentException when {@code size} is negative or {@code alignment} is not a
     *                                  positive power of two
     */
    long zallocAligned(long size, long alignment);

    /**
     * Allocates {@code size} zero-filled bytes such that {@code (address + offset) % alignment == 0}
     * (mimalloc's {@code mi_zalloc_aligned_at}).
     *
     * @param size      the bytes to allocate, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative (it may exceed {@code size})
     * @return the address of the block, or 0 when out of memory or the request is too large
     * @throws IllegalArgumentException when {@code size} or {@code offset} is negative or {@code alignment}
     *                                  is not a positive power of two
     * @throws IllegalStateException    when the allocator is closed
     */
    long zallocAlignedAt(long size, long alignment, long offset);

    /**
     * Allocates {@code count * size} zero-filled bytes aligned to {@code alignment} (mimalloc's
     * {@code mi_calloc_aligned}).
     *
     * @param count     the number of elements, not negative
     * @param size      the size of one element in bytes, not negative
     * @param alignment a positive power of two
     * @return the address of the block, or 0 when the product overflows, memory is out or the request is too large
     * @throws IllegalArgumentException when {@code count} or {@code size} is negative or {@code alignment} is not a
     *                                  positive power of two
     * @throws IllegalStateException    when the allocator is closed
     */
    long callocAligned(long count, long size, long alignment);

    /**
     * Allocates {@code count * size} zero-filled bytes such that
     * {@code (address + offset) % alignment == 0} (mimalloc's {@code mi_calloc_aligned_at}).
     *
     * @param count     the number of elements, not negative
     * @param size      the size of one element in bytes, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the address of the block, or 0 when the product overflows, memory is out or the request is too large
     * @throws IllegalArgumentException when {@code count}, {@code size} or {@code offset} is negative or
     *                                  {@code alignment} is not a positive power of two
     * @throws IllegalStateException    when the allocator is closed
     */
    long callocAlignedAt(long count, long size, long alignment, long offset);

    /**
     * Re-allocates keeping {@code alignment} (mi_realloc_aligned); the block moves when its address
     * does not have it.
     *
     * @param address   a block of this allocator, or 0
     * @param newSize   bytes, {@code >= 0}
     * @param alignment a positive power of two
     * @return the (possibly moved) block's address, or 0 when out of memory (the old block is then
     *         untouched)
     * @throws IllegalArgumentException when {@code newSize} is negative or {@code alignment} is not
     *                                  a positive power of two
     */
    long reallocAligned(long address, long newSize, long alignment);

    /**
     * Re-allocates a block to {@code newSize} bytes such that {@code (result + offset) % alignment == 0}
     * (mimalloc's {@code mi_realloc_aligned_at}). The block stays in place when it has the alignment at
     * the offset, {@code newSize} fits its usable size and wastes at most half of it; otherwise it moves
     * to a new aligned block with its contents up to the smaller size. An alignment of at most 8 with
     * offset 0 is {@link #realloc}.
     *
     * @param address   the block (any address this allocator returned, also an aligned one), or 0 to allocate
     * @param newSize   the new size in bytes, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when {@code newSize} or {@code offset} is negative, {@code alignment} is
     *                                  not a positive power of two, or the address is not a block of this
     *                                  allocator (an {@link AllocatorMisuseException} through the error handler)
     * @throws IllegalStateException    when the allocator is closed
     */
    long reallocAlignedAt(long address, long newSize, long alignment, long offset);

    /**
     * {@link #realloc} that zeroes what the block gains (mimalloc's {@code mi_rezalloc}): when the block
     * moves, the new block reads as zero from the old block's usable size to its own usable size. In
     * place nothing is written, so a block keeps reading as zero past what the program wrote only when
     * it was zero-allocated ({@link #zalloc}, {@link #calloc}, {@code rezalloc}…) and the program never
     * wrote past the sizes it asked for (mimalloc's rule). In CHECKED mode the usable size is the
     * requested size and an in-place growth zeroes the bytes it adds.
     *
     * @param address the block, or 0 to allocate zero-filled memory
     * @param newSize the new size in bytes, not negative
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when {@code newSize} is negative or the address is not a block of this
     *                                  allocator (an {@link AllocatorMisuseException} through the error handler)
     * @throws IllegalStateException    when the allocator is closed
     */
    long rezalloc(long address, long newSize);

    /**
     * {@link #rezalloc} of {@code count * size} bytes (mimalloc's {@code mi_recalloc}).
     *
     * @param address the block, or 0 to allocate zero-filled memory
     * @param count   the number of elements, not negative
     * @param size    the size of one element in bytes, not negative
     * @return the block, or 0 when the product overflows, memory is out or the request is too large (the old
     *         block is then untouched)
     * @throws IllegalArgumentException when {@code count} or {@code size} is negative or the address is not a
     *                                  block of this allocator
     * @throws IllegalStateException    when the allocator is closed
     */
    long recalloc(long address, long count, long size);

    /**
     * {@link #realloc} of {@code count * size} bytes (mimalloc's {@code mi_reallocn}, C's
     * {@code reallocarray}).
     *
     * @param address the block, or 0 to allocate
     * @param count   the number of elements, not negative
     * @param size    the size of one element in bytes, not negative
     * @return the block, or 0 when the product overflows, memory is out or the request is too large (the old
     *         block is then untouched)
     * @throws IllegalArgumentException when {@code count} or {@code size} is negative or the address is not a
     *                                  block of this allocator
     * @throws IllegalStateException    when the allocator is closed
     */
    long reallocn(long address, long count, long size);

    /**
     * {@link #rezalloc} keeping {@code alignment} (mimalloc's {@code mi_rezalloc_aligned}).
     *
     * @param address   the block, or 0 to allocate zero-filled memory
     * @param newSize   the new size in bytes, not negative
     * @param alignment a positive power of two
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when {@code newSize} is negative, {@code alignment} is not a positive
     *                                  power of two, or the address is not a block of this allocator
     * @throws IllegalStateException    when the allocator is closed
     */
    long rezallocAligned(long address, long newSize, long alignment);

    /**
     * {@link #rezalloc} such that {@code (result + offset) % alignment == 0} (mimalloc's
     * {@code mi_rezalloc_aligned_at}).
     *
     * @param address   the block, or 0 to allocate zero-filled memory
     * @param newSize   the new size in bytes, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the block, or 0 when memory is out or the request is too large (the old block is then untouched)
     * @throws IllegalArgumentException when {@code newSize} or {@code offset} is negative, {@code alignment} is
     *                                  not a positive power of two, or the address is not a block of this allocator
     * @throws IllegalStateException    when the allocator is closed
     */
    long rezallocAlignedAt(long address, long newSize, long alignment, long offset);

    /**
     * {@link #rezallocAligned} of {@code count * size} bytes (mimalloc's {@code mi_recalloc_aligned}).
     *
     * @param address   the block, or 0 to allocate zero-filled memory
     * @param count     the number of elements, not negative
     * @param size      the size of one element in bytes, not negative
     * @param alignment a positive power of two
     * @return the block, or 0 when the product overflows, memory is out or the request is too large (the old
     *         block is then untouched)
     * @throws IllegalArgumentException when {@code count} or {@code size} is negative, {@code alignment} is not
     *                                  a positive power of two, or the address is not a block of this allocator
     * @throws IllegalStateException    when the allocator is closed
     */
    long recallocAligned(long address, long count, long size, long alignment);

    /**
     * {@link #rezallocAlignedAt} of {@code count * size} bytes (mimalloc's {@code mi_recalloc_aligned_at}).
     *
     * @param address   the block, or 0 to allocate zero-filled memory
     * @param count     the number of elements, not negative
     * @param size      the size of one element in bytes, not negative
     * @param alignment a positive power of two
     * @param offset    the offset into the block that gets the alignment, not negative
     * @return the block, or 0 when the product overflows, memory is out or the request is too large (the old
     *         block is then untouched)
     * @throws IllegalArgumentException when {@code count}, {@code size} or {@code offset} is negative,
     *                                  {@code alignment} is not a positive power of two, or the address is not a
     *                                  block of this allocator
     * @throws IllegalStateException    when the allocator is closed
     */
    long recallocAlignedAt(long address, long count, long size, long alignment, long offset);

    /**
     * Frees a block (mi_free); {@code free(0)} does nothing. Any thread may free any block of this
     * allocator.
     *
     * @param address a block of this allocator, or 0
     */
    void free(long address);

    /**
     * {@return the bytes usable in the block at {@code address}} At least the requested size; 0 for
     * address 0 (mi_usable_size).
     *
     * @param address a block of this allocator, or 0
     */
    long usableSize(long address);

    /**
     * {@return the usable size {@code malloc(size)} would give} {@code usableSize(malloc(n)) ==
     * goodSize(n)} for small and medium sizes (mi_good_size).
     *
     * @param size bytes, {@code >= 0}
     */
    long goodSize(long size);

    /**
     * {@return true when the address lies in memory this allocator manages} (mi_is_in_heap_region).
     *
     * @param address any address
     */
    boolean isInHeapRegion(long address);

    // ---------------------------------------------------------------------------------------
    // Heaps and memory segments
    // ---------------------------------------------------------------------------------------

    /**
     * The calling thread's own default heap: the heap its data was made with (mimalloc's backing
     * heap, {@code mi_heap_get_backing}), which {@link #setDefaultHeap} does not change; the blocks of
     * deleted heaps move to it. It cannot be destroyed, and closing it does nothing. A thread that
     * would share heaps (virtual threads by default) gets data of its own with it.
     *
     * @return the heap
     * @throws IllegalStateException when the allocator is closed
     */
    Heap heap();

    /**
     * The heap the calling thread's calls allocate in now (mimalloc's {@code mi_heap_get_default}):
     * {@link #heap()} unless {@link #setDefaultHeap} chose another. Like {@link #heap()}, it gives a
     * thread that shares heaps data of its own.
     *
     * @return the heap
     * @throws IllegalStateException when the allocator is closed
     */
    default Heap defaultHeap() {
        return heap();
    }

    /**
     * Makes {@code heap}, a heap the calling thread made, the heap its calls of this allocator
     * allocate in (mimalloc's {@code mi_heap_set_default}): {@code malloc}, {@code zalloc},
     * {@code calloc}, the realloc and aligned families, {@code allocate}: every call that does not
     * name a heap, on the fast paths too. It lasts until the thread sets another, or the heap is
     * destroyed or deleted, which hands the default back to {@link #heap()} as mimalloc does, or
     * until {@link #threadDone()}. Other threads are not affected; arenas ({@link #newArena()}) keep
     * heaps of their own. A thread that shares heaps (a virtual thread by default) stops using its
     * shared heap and allocates in {@code heap} from then on, whichever carrier runs it.
     *
     * <p>Not a hot-path operation: it enters the thread in the allocator's thread lookup anew
     * (no garbage once each heap has been a default; a switch per task is fine, per allocation is
     * not: see docs/performance.md).
     *
     * @param heap a live heap of this allocator made by the calling thread ({@link #heap()} to go back)
     * @return the heap that was the default until now
     * @throws NullPointerException          when {@code heap} is null
     * @throws IllegalArgumentException      when the heap is another allocator's
     * @throws WrongThreadException          when another thread made the heap
     * @throws IllegalStateException         when the heap was destroyed or deleted, or the allocator is closed
     * @throws UnsupportedOperationException when the implementation cannot change the default heap
     */
    default Heap setDefaultHeap(Heap heap) {
        throw new UnsupportedOperationException("nalloc: setDefaultHeap is not supported by " + getClass().getName());
    }

    /** {@return a new first-class heap owned by the calling thread} (mi_heap_new) */
    Heap newHeap();

    /**
     * Allocates a zero-filled segment of exactly {@code byteSize} bytes aligned to
     * {@code byteAlignment}, with the global scope; release it with {@link #free(MemorySegment)}.
     *
     * @param byteSize      bytes, {@code >= 0}
     * @param byteAlignment a positive power of two
     * @return the segment
     * @throws IllegalArgumentException when {@code byteSize} is negative or {@code byteAlignment}
     *                                  is not a positive power of two
     * @throws OutOfMemoryError         when the memory cannot be had
     */
    @Override
    MemorySegment allocate(long byteSize, long byteAlignment);

    /**
     * Frees a segment returned by {@link #allocate(long, long)} (its address, as {@link #free(long)}).
     *
     * @param segment a segment of this allocator
     */
    void free(MemorySegment segment);

    /**
     * Views {@code byteSize} bytes of a block of this allocator as a {@link MemorySegment}, without
     * the caller's module needing native access (the restricted call is the engine's). The view is
     * bounded by the block: its usable size ({@link #usableSize}), which in {@link Mode#CHECKED} is
     * the requested size, so an access past the block throws {@link IndexOutOfBoundsException}
     * instead of touching a neighbour. It does not own the block: freeing stays the caller's job.
     *
     * <p>Scope: the allocator's lifetime. The views of a built instance become inaccessible when it
     * is {@linkplain #close() closed} (any access then throws {@link IllegalStateException}, never
     * touches memory given back to the OS); the views of {@link #global()} have the global scope.
     * <strong>Nothing ends a view when its block is freed</strong>: reading or writing through it
     * after {@link #free(long)} is a use after free, exactly as with the raw address: it may read
     * or corrupt another block, or crash the JVM once that memory went back to the OS (decommitted
     * on Windows, unmapped, a SECURE guard page). When a view must not outlive the block, use
     * {@link #asSegment(long, long, Arena)} and close that arena before freeing.
     *
     * <p>Misuse is checked as {@link #usableSize} checks it: an address that is not a block of this
     * allocator is reported as {@link ErrorKind#INVALID_FREE}; FAST mode cannot tell a freed block
     * from a live one, CHECKED and SECURE report it.
     *
     * @param address  a live block of this allocator (or an address inside one: the view starts there)
     * @param byteSize bytes to view, from 0 up to what the block has from {@code address} on
     * @return a segment of {@code byteSize} bytes at {@code address}
     * @throws IllegalArgumentException  when {@code byteSize} is negative, {@code address} is 0, or
     *                                   the address is not a block of this allocator
     *                                   ({@link AllocatorMisuseException} of kind
     *                                   {@link ErrorKind#INVALID_FREE})
     * @throws IndexOutOfBoundsException when {@code byteSize} is larger than the block
     * @throws IllegalStateException     when the allocator is closed
     */
    MemorySegment asSegment(long address, long byteSize);

    /**
     * Views {@code byteSize} bytes of a block as {@link #asSegment(long, long)} does, in the scope of
     * the caller's {@code arena}: the view becomes inaccessible when that arena closes. Close it
     * before freeing the block and a stale view throws {@link IllegalStateException} instead of
     * reaching freed memory:
     * {@snippet :
     * long p = nalloc.malloc(256);
     * try (Arena scope = Arena.ofConfined()) {
     *     MemorySegment s = nalloc.asSegment(p, 256, scope);
     *     s.fill((byte) 1);
     * }                 // s is dead from here on
     * nalloc.free(p);
     * }
     * Closing the arena frees nothing; the allocator's own {@link #close()} does not end these
     * views (they belong to the arena), so close the arena first there too.
     *
     * @param address  a live block of this allocator (or an address inside one)
     * @param byteSize bytes to view, from 0 up to what the block has from {@code address} on
     * @param arena    the scope of the view; must be alive, and confined arenas only on their thread
     * @return a segment of {@code byteSize} bytes at {@code address} in {@code arena}'s scope
     * @throws IllegalArgumentException  as for {@link #asSegment(long, long)}
     * @throws IndexOutOfBoundsException when {@code byteSize} is larger than the block
     * @throws IllegalStateException     when the allocator or the arena is closed
     * @throws WrongThreadException      when {@code arena} is confined to another thread
     * @throws NullPointerException      when {@code arena} is null
     */
    MemorySegment asSegment(long address, long byteSize, Arena arena);

    /**
     * {@return a confined {@link Arena} backed by a new heap of the calling thread} Closing it
     * releases everything at once (heap destroy); its segments are tied to its scope, so any later
     * access throws {@link IllegalStateException}, as with the JDK's own arenas.
     */
    Arena newArena();

    // ---------------------------------------------------------------------------------------
    // Reserved and managed memory (arenas)
    // ---------------------------------------------------------------------------------------

    /**
     * Reserves {@code size} bytes of OS memory as an arena now (mi_reserve_os_memory_ex). The size
     * is rounded up to a multiple of 32 MiB (the arena block, one segment).
     *
     * @param size      bytes, {@code > 0}
     * @param commit    commit the memory at once (otherwise it is committed on demand)
     * @param exclusive only heaps made with {@link #newHeapInArena} for this arena allocate from it;
     *                  otherwise every heap may
     * @return the arena's id
     * @throws IllegalArgumentException      when {@code size} is not positive
     * @throws OutOfMemoryError              when the OS refuses the reservation (or no arena slot is left)
     * @throws UnsupportedOperationException when the implementation has no arenas
     */
    default ArenaId reserveOsMemory(long size, boolean commit, boolean exclusive) {
        throw new UnsupportedOperationException("reserveOsMemory is not supported by " + getClass().getName());
    }

    /**
     * Adopts memory the caller mapped (an anonymous or file mapping, hugetlbfs pages…) as an arena
     * (mi_manage_os_memory_ex). The allocator uses the 32 MiB-aligned part of the range: the start is
     * rounded up and the end down to 32 MiB, and at least one such 32 MiB block must fit. The memory
     * stays the caller's: closing the allocator does not unmap it, and it must stay mapped while the
     * allocator is open. Freed blocks of it are purged like any arena memory.
     *
     * @param address   the start of the mapping
     * @param size      its bytes
     * @param committed the memory is committed (readable and writable) already
     * @param zero      the memory reads as zero
     * @param exclusive as for {@link #reserveOsMemory}
     * @param numaNode  the NUMA node of the memory, or -1 for any
     * @return the arena's id
     * @throws IllegalArgumentException      when the address is 0, the size is not positive, the
     *                                       range wraps around, holds no aligned 32 MiB block, lies
     *                                       above the addresses the allocator maps, overlaps memory a
     *                                       Nalloc allocator manages, or the node is below -1
     * @throws IllegalStateException         when no arena slot is left (at most 112 arenas per
     *                                       allocator), or the allocator is closed
     * @throws UnsupportedOperationException when the implementation has no arenas
     */
    default ArenaId manageOsMemory(long address, long size, boolean committed, boolean zero, boolean exclusive,
                                   int numaNode) {
        throw new UnsupportedOperationException("manageOsMemory is not supported by " + getClass().getName());
    }

    /**
     * A new first-class heap of the calling thread that allocates only from the arena
     * (mi_heap_new_in_arena): when the arena is full its allocations return 0 (or throw
     * {@link OutOfMemoryError} for segments). Its blocks are freed with {@link #free(long)} as usual.
     *
     * @param arena an arena of this allocator ({@link #reserveOsMemory}, {@link #manageOsMemory})
     * @return the heap
     * @throws NullPointerException          when {@code arena} is null
     * @throws IllegalArgumentException      when the arena is not one of this allocator's
     * @throws UnsupportedOperationException when the implementation has no arenas
     */
    default Heap newHeapInArena(ArenaId arena) {
        throw new UnsupportedOperationException("newHeapInArena is not supported by " + getClass().getName());
    }

    /**
     * A new first-class heap of the calling thread with a tag (mimalloc's {@code mi_heap_new_ex}).
     * Its pages carry the tag ({@link HeapArea#heapTag()}, {@link #visitAbandonedBlocks}), so a
     * program can keep kinds of objects on pages of their own and visit one kind. A heap made with
     * {@code allowDestroy} false may take over the pages of its tag that ended threads left (when
     * this thread reclaims their abandoned segments, pages of a tag go to such a heap of the tag;
     * pages of a tag without one go to the thread's default heap), so it cannot be destroyed
     * ({@link Heap#destroy} throws {@link UnsupportedOperationException}); closing it deletes it. When
     * a tagged heap is deleted, its pages go to another such heap of its tag of the thread if there
     * is one, else to the default heap (mimalloc abandons them instead; a thread of Nalloc abandons
     * its segments only when it ends). Tag 0 with {@code allowDestroy} and no arena is
     * {@link #newHeap()}.
     *
     * @param tag          the heap tag, 0 to 255 (0: the tag of every other heap)
     * @param allowDestroy true for a heap that may be destroyed (and never takes over other threads' pages)
     * @param arena        the arena the heap allocates from only ({@link #newHeapInArena}), or null for any memory
     * @return the heap
     * @throws IllegalArgumentException      when the tag is not 0 to 255, or the arena is not one of this allocator's
     * @throws IllegalStateException         when the allocator is closed
     * @throws UnsupportedOperationException when the implementation has no tagged heaps
     */
    default Heap newHeap(int tag, boolean allowDestroy, ArenaId arena) {
        throw new UnsupportedOperationException("newHeap with a tag is not supported by " + getClass().getName());
    }

    /**
     * Reserves {@code pages} huge (1 GiB) OS pages now, all on NUMA node {@code numaNode}, each
     * page an arena (mimalloc's {@code mi_reserve_huge_os_pages_at}). It stops at the first page
     * the OS refuses and once {@code timeoutMillis} have passed (after at least one page); the
     * pages reserved serve every heap.
     *
     * @param pages         how many pages, not negative (at most 131072)
     * @param numaNode      the node, or -1 for no preference
     * @param timeoutMillis how long the reservation may take, not negative
     * @return the pages reserved (fewer than asked when the OS refused or the time ran out)
     * @throws IllegalArgumentException      when {@code pages} or {@code timeoutMillis} is negative, or the
     *                                       node is below -1
     * @throws IllegalStateException         when the allocator is closed or was built with
     *                                       {@code disallow_arena_alloc}
     * @throws UnsupportedOperationException when the implementation has no arenas
     */
    default long reserveHugeOsPagesAt(long pages, int numaNode, long timeoutMillis) {
        throw new UnsupportedOperationException("reserveHugeOsPagesAt is not supported by " + getClass().getName());
    }

    /**
     * Reserves {@code pages} huge (1 GiB) OS pages now, spread evenly over {@code numaNodes} NUMA
     * nodes (mimalloc's {@code mi_reserve_huge_os_pages_interleave}), each page an arena on its node.
     *
     * @param pages         how many pages, not negative (at most 131072)
     * @param numaNodes     over how many nodes (0: every node the allocator uses; more than it uses
     *                      counts as all of them)
     * @param timeoutMillis how long the reservation may take, not negative
     * @return the pages reserved (fewer than asked when the OS refused or the time ran out)
     * @throws IllegalArgumentException      when an argument is negative
     * @throws IllegalStateException         when the allocator is closed or was built with
     *                                       {@code disallow_arena_alloc}
     * @throws UnsupportedOperationException when the implementation has no arenas
     */
    default long reserveHugeOsPagesInterleave(long pages, int numaNodes, long timeoutMillis) {
        throw new UnsupportedOperationException("reserveHugeOsPagesInterleave is not supported by " + getClass().getName());
    }

    // ---------------------------------------------------------------------------------------
    // Options and callbacks
    // ---------------------------------------------------------------------------------------

    /**
     * The value of an option in this allocator now (mimalloc's {@code mi_option_get}): as the
     * instance was built (builder, system property, environment variable, default) or as
     * {@link #setOption} changed it since. Booleans are 0 or 1, sizes bytes, durations milliseconds.
     *
     * @param option the option
     * @return its value
     * @throws NullPointerException          when {@code option} is null
     * @throws IllegalStateException         when the allocator is closed
     * @throws UnsupportedOperationException when the implementation has no options
     */
    default long option(Option option) {
        throw new UnsupportedOperationException("option is not supported by " + getClass().getName());
    }

    /**
     * Every option of this allocator as it is now, as one consistent snapshot.
     *
     * @return the values ({@link OptionValues#isExplicit} is true for those set when it was built or since)
     * @throws IllegalStateException         when the allocator is closed
     * @throws UnsupportedOperationException when the implementation has no options
     */
    default OptionValues options() {
        throw new UnsupportedOperationException("options is not supported by " + getClass().getName());
    }

    /**
     * Changes an option of this running allocator (mimalloc's {@code mi_option_set}); only options
     * that can change at run time ({@link Option#isRuntime()}) may be changed. The new value acts
     * from the next time the engine reads it, on every thread (for example the next purge deadline,
     * the next reclaim search, the next segment). The purge options drive the default purge
     * policy: one given to the builder does not see them.
     *
     * @param option the option
     * @param value  its new value: 0 or 1 for a boolean, at least 0 for a size, at least -1 for a duration
     * @throws NullPointerException          when {@code option} is null
     * @throws IllegalArgumentException      when the option is fixed when an instance is built, or the
     *                                       value is not one of its kind
     * @throws IllegalStateException         when the allocator is closed
     * @throws UnsupportedOperationException when the implementation has no options
     */
    default void setOption(Option option, long value) {
        throw new UnsupportedOperationException("setOption is not supported by " + getClass().getName());
    }

    /**
     * Registers the deferred free function of this allocator, replacing the previous one
     * (mimalloc's {@code mi_register_deferred_free}; see {@link DeferredFree} for when it is called).
     *
     * @param deferredFree the function, or null to have none
     * @throws IllegalStateException         when the allocator is closed
     * @throws UnsupportedOperationException when the implementation does not call one
     */
    default void registerDeferredFree(DeferredFree deferredFree) {
        throw new UnsupportedOperationException("registerDeferredFree is not supported by " + getClass().getName());
    }

    /**
     * Returns to the OS what can be returned (mi_collect).
     *
     * @param force also purge at once the memory that waits for its purge delay
     */
    void collect(boolean force);

    /** The calling thread will allocate no more (mi_thread_done): its heaps' memory is handed over. */
    void threadDone();

    /** {@return a snapshot of the statistics} (mi_stats_merge + mi_stats_print's figures) */
    AllocatorStats stats();

    /**
     * Starts the peaks of the statistics afresh (mimalloc's {@code mi_stats_reset}, for the peaks):
     * from now on {@code stats().allocatedPeak()} and every count's {@code peak} are the highest value
     * since this call, starting from the value now. Totals and current values are not changed. For
     * example, call it after a warm-up phase to learn the peak of the steady state. Any thread. The
     * default does nothing (an implementation without tracked peaks).
     */
    default void resetPeaks() {
    }

    /**
     * Visits the areas (pages) of every heap of every thread of this instance, with
     * {@code block == 0} (mimalloc's {@code mi_heap_visit_blocks} without blocks, over all heaps):
     * what is live, by size class, for leak reports. Pages of other threads are read while those
     * threads run, so the figures are exact only while they are quiescent. The default visits the
     * calling thread's default heap only.
     *
     * @param visitor called once per area; returning {@code false} stops the walk
     */
    default void visitHeapAreas(HeapVisitor visitor) {
        heap().visitBlocks(false, visitor);
    }

    /**
     * The live blocks that leak detection (option {@code leak_detection}) has recorded, grouped by
     * allocating stack, most bytes first, with a few addresses per site. Blocks of other threads
     * are seen as those threads leave them.
     *
     * @return the report; {@link LeakReport#off()} when leak detection is off
     */
    default LeakReport leakReport() {
        return LeakReport.off();
    }

    /**
     * Visits the blocks no thread's heap holds: those of the segments abandoned by threads that
     * ended, with {@link #threadDone} or without (mimalloc's {@code mi_abandoned_visit_blocks}), and
     * the huge blocks of such threads. With {@link #visitHeapAreas} or the heaps' own
     * {@link Heap#visitBlocks} it completes a walk of everything live. The visitor is called once per
     * area (page) with {@code block == 0} and, with {@code visitAllBlocks}, once per live block of it,
     * at the address the block was handed out at; it returns false to stop.
     *
     * <p>It needs option {@code visit_abandoned} when the instance is built (as in mimalloc: only
     * then do the searches that take abandoned segments over step aside while a visit runs, so that
     * none is missed). The dead threads found are retired first. While the visit runs, threads that
     * need memory map new segments rather than take abandoned ones over, and each segment is held by
     * the visiting thread while its pages are visited; segments abandoned during the visit may or may
     * not be visited. The visitor may allocate and free: a block freed during the visit (a remote free
     * into an abandoned segment) may still be visited afterwards. It must not close the allocator
     * ({@link IllegalStateException} after the call that did).
     *
     * @param heapTag        only pages made by heaps of this tag (0 for untagged heaps), or -1 for all
     * @param visitAllBlocks also visit every live block, not only the areas
     * @param visitor        called for each area and block
     * @return false when the visitor stopped the visit, true when it went through
     * @throws NullPointerException          when {@code visitor} is null
     * @throws IllegalArgumentException      when {@code heapTag} is not -1 to 255
     * @throws IllegalStateException         when the allocator was built without {@code visit_abandoned},
     *                                       or is closed
     * @throws UnsupportedOperationException when the implementation cannot visit them
     */
    default boolean visitAbandonedBlocks(int heapTag, boolean visitAllBlocks, HeapVisitor visitor) {
        throw new UnsupportedOperationException("visitAbandonedBlocks is not supported by " + getClass().getName());
    }

    /** {@return the mode this allocator runs in} */
    Mode mode();

    /**
     * Gives all memory of a built instance back to the OS. After it, {@link #stats()} reports zero
     * reserved and committed bytes and every other method throws {@link IllegalStateException}.
     *
     * @throws UnsupportedOperationException for {@link #global()}
     */
    @Override
    void close();
}
