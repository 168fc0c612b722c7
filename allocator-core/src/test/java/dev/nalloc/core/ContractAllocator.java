package dev.nalloc.core;

import dev.nalloc.api.AllocatorBuilder;
import dev.nalloc.api.Mode;
import dev.nalloc.spi.HeapSelectionPolicy;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The shared setup of {@link AllocatorContractTest} and its subclasses: before a class's tests it
 * builds the allocator its {@link Config} names (inherited, so a subclass that only changes the
 * thread its tests run on says nothing) into {@link AllocatorContractTest#a}, and closes it after them.
 */
final class ContractAllocator implements BeforeAllCallback, AfterAllCallback {

    /** The instance a contract class runs on; without it, FAST with the default heap selection. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @Inherited
    @interface Config {
        /** The mode. */
        Mode mode() default Mode.FAST;

        /** {@link HeapSelectionPolicy#everyThreadOwnsHeap()} instead of the default policy. */
        boolean everyThreadOwnsHeap() default false;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Config config = context.getRequiredTestClass().getAnnotation(Config.class);
        AllocatorBuilder b = TestAllocators.builder();
        if (config != null) {
            b.mode(config.mode());
            if (config.everyThreadOwnsHeap()) {
                b.heapSelectionPolicy(HeapSelectionPolicy.everyThreadOwnsHeap());
            }
        }
        AllocatorContractTest.a = b.build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        AllocatorContractTest.a.close();
    }
}
