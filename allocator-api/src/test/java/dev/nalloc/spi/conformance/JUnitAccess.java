package dev.nalloc.spi.conformance;

import org.junit.jupiter.api.Test;

/**
 * Opens this package to JUnit, which calls the suites' test methods reflectively. On the class path
 * every package is open; patched into a named module (as in allocator-api's own tests on
 * surefire's module path) this package is not exported.
 */
final class JUnitAccess {

    private JUnitAccess() {
    }

    static synchronized void openThisPackage() {
        Module self = JUnitAccess.class.getModule();
        if (self.isNamed()) {
            String pkg = JUnitAccess.class.getPackageName();
            self.addOpens(pkg, Test.class.getModule());
            self.addOpens(pkg, org.junit.platform.commons.support.ReflectionSupport.class.getModule());
        }
    }
}
