package dev.nalloc.spi.conformance;

import dev.nalloc.spi.OsPrimitives;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Checks how an OS layer presents itself as a provider: {@link java.util.ServiceLoader} finds it
 * under its name on the class path and the module path, and on any other OS it says why it cannot
 * be used, refuses every operation that would need the kernel with one exact message, and
 * {@link OsPrimitives#best()} passes it over. Extend it once per OS layer; the checks for "any
 * other OS" are skipped (as aborted) on the layer's own OS:
 *
 * <pre>{@code
 * class MyOsProviderTest extends OsProviderConformance {
 *     MyOsProviderTest() {
 *         super(MyOsPrimitives::new, "myos", 100, Platform.current().osName().equals("MyOS"),
 *                 "requires MyOS (running " + Platform.current() + ")", "the myos OS layer is not supported here: ");
 *     }
 * }
 * }</pre>
 */
public abstract class OsProviderConformance {

    static {
        JUnitAccess.openThisPackage();
    }

    private final Supplier<? extends OsPrimitives> newProvider;
    private final String name;
    private final int priority;
    private final boolean onItsOwnOs;
    private final String reasonHere;
    private final String refusalPrefix;

    /**
     * @param newProvider   makes the provider as ServiceLoader does: the running platform and the real kernel
     * @param name          the name the provider reports and is registered under
     * @param priority      the priority it reports
     * @param onItsOwnOs    whether this JVM runs on the OS (and architecture) the layer serves
     * @param reasonHere    the exact reason it gives for not being usable on this machine (checked off its own OS)
     * @param refusalPrefix what the message of the {@link IllegalStateException} a kernel operation throws
     *                      when unsupported says before the reason
     */
    protected OsProviderConformance(Supplier<? extends OsPrimitives> newProvider, String name, int priority,
                                    boolean onItsOwnOs, String reasonHere, String refusalPrefix) {
        this.newProvider = Objects.requireNonNull(newProvider, "newProvider");
        this.name = Objects.requireNonNull(name, "name");
        this.priority = priority;
        this.onItsOwnOs = onItsOwnOs;
        this.reasonHere = Objects.requireNonNull(reasonHere, "reasonHere");
        this.refusalPrefix = Objects.requireNonNull(refusalPrefix, "refusalPrefix");
    }

    private OsPrimitives newProvider() {
        return newProvider.get();
    }

    private Class<? extends OsPrimitives> providerClass() {
        return newProvider().getClass();
    }

    @Test
    void serviceLoaderFindsTheProvider() {
        Class<? extends OsPrimitives> type = providerClass();
        assertEquals(type, OsPrimitives.named(name).getClass());
        assertEquals(type, OsPrimitives.named(name.toUpperCase(Locale.ROOT)).getClass(),
                "names are looked up ignoring case");
        assertTrue(OsPrimitives.available().stream().anyMatch(type::isInstance),
                () -> type.getSimpleName() + " is not among " + OsPrimitives.available());
    }

    @Test
    void theClassPathRegistrationNamesTheProvider() throws IOException {
        Class<? extends OsPrimitives> type = providerClass();
        try (InputStream in = type.getResourceAsStream("/META-INF/services/dev.nalloc.spi.OsPrimitives")) {
            assertNotNull(in, "META-INF/services/dev.nalloc.spi.OsPrimitives is missing");
            assertEquals(type.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void theModuleProvidesIt() {
        Class<? extends OsPrimitives> type = providerClass();
        Module module = type.getModule();
        if (module.isNamed()) {
            assertTrue(module.getDescriptor().provides().stream().anyMatch(p ->
                    p.service().equals(OsPrimitives.class.getName())
                            && p.providers().equals(List.of(type.getName()))), module.getDescriptor()::toString);
        }
    }

    @Test
    void theRealProviderSaysWhyNotOnThisMachine() {
        assumeFalse(onItsOwnOs, "runs only off the layer's own OS");
        OsPrimitives os = newProvider();
        assertFalse(os.support().supported());
        assertEquals(reasonHere, os.support().reason());
        assertEquals(name, os.name());
        assertEquals(priority, os.priority());
    }

    @Test
    void theRealProviderRefusesEveryKernelOperationHere() {
        assumeFalse(onItsOwnOs, "runs only off the layer's own OS");
        OsPrimitives os = newProvider();
        String message = refusalPrefix + os.support().reason();
        for (Consumer<OsPrimitives> op : List.<Consumer<OsPrimitives>>of(
                OsPrimitives::memoryConfig, p -> p.alloc(0, 1 << 16, 0, false, false), p -> p.free(1 << 16, 1 << 16),
                p -> p.commit(1 << 16, 1 << 16), p -> p.decommit(1 << 16, 1 << 16), p -> p.reset(1 << 16, 1 << 16),
                p -> p.reuse(1 << 16, 1 << 16), p -> p.protect(1 << 16, 1 << 16, true),
                p -> p.setTransparentHugePages(true), p -> p.allocHugeOsPages(0, 1L << 30, -1),
                OsPrimitives::numaNodeCount, OsPrimitives::currentNumaNode, OsPrimitives::processInfo,
                p -> p.randomBytes(new byte[8]), p -> p.allocAligned(1 << 16, 1 << 16, false, false))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> op.accept(os));
            assertEquals(message, e.getMessage());
        }
    }

    @Test
    void bestDoesNotPickItHere() {
        assumeFalse(onItsOwnOs, "runs only off the layer's own OS");
        Class<? extends OsPrimitives> type = providerClass();
        try {
            OsPrimitives best = OsPrimitives.best();
            assertFalse(type.isInstance(best), () -> "the " + name + " layer was chosen on "
                    + System.getProperty("os.name"));
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains(name + " (" + reasonHere + ")"), e.getMessage());
        }
    }
}
