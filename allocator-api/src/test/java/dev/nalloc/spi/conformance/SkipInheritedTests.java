package dev.nalloc.spi.conformance;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Arrays;

/**
 * Skips named tests inherited from a suite, with the reason shown in the report: for the checks a
 * simulation cannot answer truthfully (and which another configuration covers).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(SkipInheritedTests.Condition.class)
public @interface SkipInheritedTests {

    /** The names of the inherited test methods to skip. */
    String[] value();

    /** Why, shown in the test report. */
    String reason();

    /** The JUnit condition that reads the annotation. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            SkipInheritedTests skip = context.getRequiredTestClass().getAnnotation(SkipInheritedTests.class);
            if (skip != null && context.getTestMethod().isPresent()
                    && Arrays.asList(skip.value()).contains(context.getTestMethod().get().getName())) {
                return ConditionEvaluationResult.disabled(skip.reason());
            }
            return ConditionEvaluationResult.enabled("not skipped");
        }
    }
}
