package dev.nalloc.spi;

import dev.nalloc.spi.conformance.SkipInheritedTests;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SkipInheritedTestsTest {

    static class Suite {
        void named() {
        }

        void other() {
        }
    }

    @SkipInheritedTests(value = {"named", "absent"}, reason = "the simulation cannot tell")
    static class Skipping extends Suite {
    }

    private final SkipInheritedTests.Condition condition = new SkipInheritedTests.Condition();

    @Test
    void skipsTheNamedMethodsWithTheReason() throws Exception {
        ConditionEvaluationResult result = condition.evaluateExecutionCondition(
                context(Skipping.class, Suite.class.getDeclaredMethod("named")));
        assertTrue(result.isDisabled());
        assertEquals(Optional.of("the simulation cannot tell"), result.getReason());
    }

    @Test
    void runsEveryOtherMethod() throws Exception {
        assertFalse(condition.evaluateExecutionCondition(
                context(Skipping.class, Suite.class.getDeclaredMethod("other"))).isDisabled());
    }

    @Test
    void runsEverythingOfAClassWithoutTheAnnotation() throws Exception {
        assertFalse(condition.evaluateExecutionCondition(
                context(Suite.class, Suite.class.getDeclaredMethod("named"))).isDisabled());
    }

    @Test
    void theClassItselfIsNotSkipped() {
        assertFalse(condition.evaluateExecutionCondition(context(Skipping.class, null)).isDisabled());
    }

    /** The two things the condition reads from JUnit's context. */
    private static ExtensionContext context(Class<?> testClass, Method method) {
        return (ExtensionContext) Proxy.newProxyInstance(ExtensionContext.class.getClassLoader(),
                new Class<?>[]{ExtensionContext.class}, (proxy, called, args) -> switch (called.getName()) {
                    case "getRequiredTestClass" -> testClass;
                    case "getTestMethod" -> Optional.ofNullable(method);
                    default -> throw new UnsupportedOperationException(called.getName());
                });
    }
}
