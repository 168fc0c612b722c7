package dev.nalloc.spi;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small simulated OS for tests of the SPI's default algorithms: it hands out addresses (no
 * memory behind them) and keeps the books of what is reserved, so that tests can check what was
 * asked, what was freed, and that nothing leaked. Addresses come from a script when one is given,
 * otherwise from a bump pointer that is deliberately one granule off every larger alignment.
 */
public final class FakeOsPrimitives implements OsPrimitives {

    static final int EINVAL = 22;
    static final int ENOMEM = 12;
    static final long PAGE = 4096;

    /** One recorded alloc or free. */
    public record Call(String op, long address, long size, long tryAlignment, boolean commit) {
    }

    private final long granularity;
    private final boolean partialFree;
    private final TreeMap<Long, Long> reservations = new TreeMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final Deque<Long> scriptedAddresses = new ArrayDeque<>();
    private final SecureRandom random = new SecureRandom();
    private long next;
    private boolean honorHints = true;
    private int failAllocAfter = Integer.MAX_VALUE;

    public FakeOsPrimitives(long granularity, boolean partialFree) {
        this.granularity = granularity;
        this.partialFree = partialFree;
        this.next = 0x10_0000_0000L + granularity;
    }

    // ------------------------------------------------------------------ test controls

    /** The next allocations (without a usable hint) return these addresses. */
    public synchronized FakeOsPrimitives script(long... addresses) {
        for (long a : addresses) {
            scriptedAddresses.add(a);
        }
        return this;
    }

    /** Whether a free hint address is used (false: as if another thread took it every time). */
    public synchronized FakeOsPrimitives honorHints(boolean honor) {
        this.honorHints = honor;
        return this;
    }

    /** Allocations after the first {@code n} fail with ENOMEM. */
    public synchronized FakeOsPrimitives failAllocAfter(int n) {
        this.failAllocAfter = n;
        return this;
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    public synchronized List<Call> calls(String op) {
        return calls.stream().filter(c -> c.op().equals(op)).toList();
    }

    /** Bytes reserved now. */
    public synchronized long reservedBytes() {
        return reservations.values().stream().mapToLong(Long::longValue).sum();
    }

    // ------------------------------------------------------------------ OsPrimitives

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public int priority() {
        return 1;
    }

    @Override
    public Support support() {
        return Support.yes();
    }

    @Override
    public MemoryConfig memoryConfig() {
        return new MemoryConfig(PAGE, 0, granularity, 1L << 32, 47, true, partialFree, true);
    }

    @Override
    public synchronized Allocation alloc(long hintAddress, long size, long tryAlignment, boolean commit, boolean allowLarge) {
        calls.add(new Call("alloc", hintAddress, size, tryAlignment, commit));
        if (size <= 0 || size % granularity != 0 || size >= 1L << 47 || hintAddress % granularity != 0) {
            return Allocation.failed(EINVAL);
        }
        if (calls("alloc").size() > failAllocAfter) {
            return Allocation.failed(ENOMEM);
        }
        long address;
        if (hintAddress != 0 && honorHints && isFree(hintAddress, size)) {
            address = hintAddress;
        } else if (!scriptedAddresses.isEmpty()) {
            address = scriptedAddresses.poll();
        } else {
            address = next;
            next += size + 2 * granularity;
        }
        reservations.put(address, size);
        return new Allocation(address, size, false, true, 0);
    }

    @Override
    public synchronized int free(long address, long size) {
        calls.add(new Call("free", address, size, 0, false));
        if (address <= 0 || size <= 0 || address % PAGE != 0 || size % PAGE != 0) {
            return EINVAL;
        }
        Map.Entry<Long, Long> r = reservations.floorEntry(address);
        if (r == null || address + size > r.getKey() + r.getValue() || address + size < address) {
            return EINVAL;
        }
        long start = r.getKey();
        long end = start + r.getValue();
        if (!partialFree && (address != start || size != r.getValue())) {
            return EINVAL; // like VirtualFree(MEM_RELEASE): whole reservations only
        }
        reservations.remove(start);
        if (address > start) {
            reservations.put(start, address - start);
        }
        if (address + size < end) {
            reservations.put(address + size, end - (address + size));
        }
        return 0;
    }

    private boolean isFree(long address, long size) {
        Map.Entry<Long, Long> below = reservations.floorEntry(address);
        if (below != null && below.getKey() + below.getValue() > address) {
            return false;
        }
        Long above = reservations.ceilingKey(address);
        return above == null || above >= address + size;
    }

    private synchronized int checkRange(long address, long size) {
        if (address <= 0 || size <= 0 || address % PAGE != 0 || size % PAGE != 0 || address + size < address) {
            return EINVAL;
        }
        Map.Entry<Long, Long> r = reservations.floorEntry(address);
        return r != null && address + size <= r.getKey() + r.getValue() ? 0 : ENOMEM;
    }

    @Override
    public CommitResult commit(long address, long size) {
        return new CommitResult(checkRange(address, size), false);
    }

    @Override
    public DecommitResult decommit(long address, long size) {
        return new DecommitResult(checkRange(address, size), true);
    }

    @Override
    public int reset(long address, long size) {
        return checkRange(address, size);
    }

    @Override
    public int reuse(long address, long size) {
        return checkRange(address, size);
    }

    @Override
    public int protect(long address, long size, boolean protect) {
        return checkRange(address, size);
    }

    @Override
    public int setTransparentHugePages(boolean enable) {
        return EINVAL;
    }

    @Override
    public Allocation allocHugeOsPages(long hintAddress, long size, int numaNode) {
        return Allocation.failed(size > 0 && size % (1L << 30) == 0 ? ENOMEM : EINVAL);
    }

    @Override
    public int numaNodeCount() {
        return 1;
    }

    @Override
    public int currentNumaNode() {
        return 0;
    }

    @Override
    public long clockNanos() {
        return System.nanoTime();
    }

    @Override
    public ProcessInfo processInfo() {
        return new ProcessInfo(-1, -1, -1, -1, -1, reservedBytes(), -1, -1);
    }

    @Override
    public int randomBytes(byte[] buffer) {
        random.nextBytes(buffer);
        return 0;
    }

    @Override
    public String describeError(int error) {
        return switch (error) {
            case 0 -> "no error";
            case EINVAL -> "invalid argument";
            case ENOMEM -> "out of memory";
            default -> "fake error " + error;
        };
    }
}
