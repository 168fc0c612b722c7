package dev.nalloc.bench.peer;

import dev.nalloc.bench.memory.NativeMemory;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Netty 4.2's pooled or adaptive allocator handing out direct buffers; free is {@code release()}.
 * A table maps each buffer's memory address back to the buffer so it fits a malloc/free interface.
 */
public final class NettyPeer implements AllocatorUnderTest {

    private final String name;
    private final ByteBufAllocator allocator;
    private final Map<Long, ByteBuf> buffers = new ConcurrentHashMap<>();

    private NettyPeer(String name, ByteBufAllocator allocator) {
        this.name = name;
        this.allocator = allocator;
    }

    /** A fresh {@link PooledByteBufAllocator} preferring direct memory. */
    static NettyPeer pooled() {
        return new NettyPeer("netty-pooled", new PooledByteBufAllocator(true));
    }

    /** A fresh {@link AdaptiveByteBufAllocator} preferring direct memory. */
    static NettyPeer adaptive() {
        return new NettyPeer("netty-adaptive", new AdaptiveByteBufAllocator(true, true));
    }

    /** The Netty allocator itself (for benchmarks that use ByteBufs directly). */
    public ByteBufAllocator allocator() {
        return allocator;
    }

    /** The native address of a direct buffer's first readable byte. */
    public static long addressOf(ByteBuf buffer) {
        if (buffer.hasMemoryAddress()) {
            return buffer.memoryAddress();
        }
        return MemorySegment.ofBuffer(buffer.internalNioBuffer(0, buffer.capacity())).address();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long malloc(long size) {
        ByteBuf buffer;
        try {
            buffer = allocator.directBuffer(Math.toIntExact(Math.max(size, 1)));
        } catch (OutOfMemoryError | ArithmeticException e) {
            return 0;
        }
        long address = addressOf(buffer);
        buffers.put(address, buffer);
        return address;
    }

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        ByteBuf buffer = buffers.remove(address);
        if (buffer == null) {
            throw new IllegalArgumentException(name + ": free of an unknown address 0x" + Long.toHexString(address));
        }
        buffer.release();
    }

    @Override
    public long realloc(long address, long newSize) {
        long fresh = malloc(newSize);
        if (address != 0 && fresh != 0) {
            ByteBuf old = buffers.get(address);
            NativeMemory.copy(address, fresh, Math.min(old.capacity(), newSize));
            free(address);
        }
        return fresh;
    }

    @Override
    public long usableSize(long address) {
        ByteBuf buffer = buffers.get(address);
        return buffer == null ? 0 : buffer.capacity();
    }
}
