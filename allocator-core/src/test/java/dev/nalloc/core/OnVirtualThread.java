package dev.nalloc.core;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs every test method of the class on a new virtual thread (the class's {@code @BeforeAll} and
 * {@code @AfterAll} stay on the runner's platform thread): the whole contract suite on virtual
 * threads, with the heap selection policy the class's instance has.
 */
final class OnVirtualThread implements InvocationInterceptor {

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
            ExtensionContext context) throws Throwable {
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = Thread.ofVirtual().name("contract-" + call.getExecutable().getName()).start(() -> {
            if (!Thread.currentThread().isVirtual()) {
                error.set(new AssertionError("not a virtual thread"));
                return;
            }
            try {
                invocation.proceed();
            } catch (Throwable e) {
                error.set(e);
            }
        });
        t.join();
        if (error.get() != null) {
            throw error.get();
        }
    }
}
