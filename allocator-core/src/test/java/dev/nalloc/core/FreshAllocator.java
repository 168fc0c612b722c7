package dev.nalloc.core;

import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorBuilder;
import dev.nalloc.spi.ErrorHandler;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-test sibling of {@link ContractAllocator}: before each test it builds a new instance
 * ({@link TestAllocators#builder()}) into every {@link Allocator} field of the test marked
 * {@link Fresh}, and closes them after the test, so no test sees another's blocks or counts.
 * Methods of the test class annotated {@code @BeforeEach} run after the fields are set.
 */
public final class FreshAllocator implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FreshAllocator.class);

    /** An {@link Allocator} field that gets a new instance for every test. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Fresh {
        /**
         * The name of the test's {@link ErrorHandler} field the instance reports to; empty: the
         * builder's default (throwing).
         */
        String errorHandler() default "";
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        Object test = context.getRequiredTestInstance();
        List<Allocator> opened = new ArrayList<>();
        context.getStore(NAMESPACE).put(test, opened);
        for (Class<?> c = test.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                Fresh fresh = f.getAnnotation(Fresh.class);
                if (fresh == null) {
                    continue;
                }
                AllocatorBuilder b = TestAllocators.builder();
                if (!fresh.errorHandler().isEmpty()) {
                    Field h = c.getDeclaredField(fresh.errorHandler());
                    h.setAccessible(true);
                    b.errorHandler((ErrorHandler) h.get(test));
                }
                Allocator a = b.build();
                opened.add(a);
                f.setAccessible(true);
                f.set(test, a);
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterEach(ExtensionContext context) {
        List<Allocator> opened = (List<Allocator>) context.getStore(NAMESPACE).remove(context.getRequiredTestInstance());
        if (opened != null) {
            for (Allocator a : opened.reversed()) {
                a.close();
            }
        }
    }
}
