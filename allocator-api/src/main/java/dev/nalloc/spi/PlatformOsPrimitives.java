package dev.nalloc.spi;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * The part every OS layer built for one platform has in common: its name, priority and support
 * (decided once, from a {@link Platform}), the guard that keeps an unsupported layer away from the
 * kernel, the memory configuration detected once on first use, the page-range check of the
 * virtual-memory operations, and a fallback random generator. A layer extends it and implements
 * the operations; each operation that needs the kernel first calls {@link #requireSupported()}.
 */
public abstract class PlatformOsPrimitives implements OsPrimitives {

    private final String name;
    private final int priority;
    private final Platform platform;
    private final Support support;
    private volatile MemoryConfig memoryConfig;
    private volatile SecureRandom fallbackRandom;

    /**
     * A layer for one platform.
     *
     * @param name     the name {@link OsPrimitives#named} finds the layer under
     * @param priority the priority among supported layers
     * @param platform the platform the layer runs on
     * @param support  whether the layer can be used there, and why not
     */
    protected PlatformOsPrimitives(String name, int priority, Platform platform, Support support) {
        this.name = Objects.requireNonNull(name, "name");
        this.priority = priority;
        this.platform = Objects.requireNonNull(platform, "platform");
        this.support = Objects.requireNonNull(support, "support");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int priority() {
        return priority;
    }

    @Override
    public final Support support() {
        return support;
    }

    /** {@return the platform the layer was made for} */
    protected final Platform platform() {
        return platform;
    }

    /**
     * Returns normally only when the layer is supported here.
     *
     * @throws IllegalStateException {@code the <name> OS layer is not supported here: <reason>}
     */
    protected final void requireSupported() {
        if (!support.supported()) {
            throw new IllegalStateException("the " + name + " OS layer is not supported here: " + support.reason());
        }
    }

    /**
     * {@return the memory configuration} Detected on first use with {@link #detectMemoryConfig()},
     * after {@link #requireSupported()}.
     *
     * @throws IllegalStateException when the layer is not supported here
     */
    @Override
    public final MemoryConfig memoryConfig() {
        MemoryConfig config = memoryConfig;
        if (config == null) {
            requireSupported();
            config = detectMemoryConfig();
            memoryConfig = config; // a race detects twice, with the same result
        }
        return config;
    }

    /** {@return the memory configuration, asked of the kernel} Called when the layer is supported. */
    protected abstract MemoryConfig detectMemoryConfig();

    /**
     * {@return whether {@code [address, address + size)} is a non-empty range of whole pages} Address
     * 0 is included.
     *
     * @param address the start
     * @param size    bytes
     */
    protected final boolean isPageRange(long address, long size) {
        long pageMask = memoryConfig().pageSize() - 1;
        return size > 0 && (size & pageMask) == 0 && (address & pageMask) == 0;
    }

    /** {@return the JDK's OS-seeded generator, for when the OS's own source of random bytes fails} Made once. */
    protected final SecureRandom fallbackRandom() {
        SecureRandom random = fallbackRandom;
        if (random == null) {
            random = new SecureRandom();
            fallbackRandom = random;
        }
        return random;
    }

    /** {@code <class>[<platform>, <support reason>]}. */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + platform + ", " + support.reason() + "]";
    }
}
