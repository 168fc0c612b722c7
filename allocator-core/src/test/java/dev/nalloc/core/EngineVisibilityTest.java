package dev.nalloc.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.FieldModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.InnerClassInfo;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.FieldRefEntry;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.lang.reflect.AccessFlag;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The engine's types and members are public only where another package's main code uses them
 * (docs/design-core.md): the module exports no package, so public is how one layer reaches another,
 * and a test reaches what it tests from inside its package (through the package's test-only probe
 * class where the test sits elsewhere). This reads the compiled main and test classes of this
 * module, resolves every class and member reference to the class that declares it, and fails on a
 * public class, method, constructor or field of the engine that no other package's main code
 * names, and on one that only tests of other packages name.
 *
 * <p>Not seen, so not checked: compile-time constants (javac copies their values into the classes
 * that use them), what must stay public whatever uses it (the {@code AllocatorProvider}, methods
 * that implement or override a public one or that a subclass in another package overrides, records' accessors and canonical constructors, enums'
 * constants and {@code values}/{@code valueOf}, interface methods), and the other modules, which
 * cannot reach the engine's packages on the module path and use none of them on the class path.
 */
class EngineVisibilityTest {

    private static final String ROOT = "dev/nalloc/core";
    private static final Pattern NAME = Pattern.compile("L(" + ROOT + "[A-Za-z0-9_/$]*);");

    private record Cls(String name, ClassModel model, boolean test) {
        String pkg() {
            return name.substring(0, name.lastIndexOf('/'));
        }
    }

    private final Map<String, Cls> classes = new HashMap<>();
    /** Classes and members (declaring class.name:descriptor) named from another package: by main code, by tests. */
    private final Set<String> fromMain = new HashSet<>();
    private final Set<String> fromTests = new HashSet<>();

    /** Reads the module's main and test classes and every reference between packages. */
    private void load() throws Exception {
        Path main = Path.of(NallocProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(main), "needs the compiled classes, not a jar: " + main);
        Path tests = main.resolveSibling("test-classes");
        assertTrue(Files.isDirectory(tests.resolve(ROOT)), "test classes not found: " + tests);
        read(main, false);
        read(tests, true);
        assertTrue(classes.containsKey(ROOT + "/heap/LocalHeap") && classes.containsKey(ROOT + "/PackageCyclesTest"),
                "engine classes not found");
        for (Cls user : classes.values()) {
            references(user);
        }
    }

    /**
     * No field of the engine is both public and mutable (docs/concurrency.md): another package
     * reaches a mutable field only through methods, whose names say the memory ordering of an atomic
     * field (getAcquire..., casX, setRelease...) or that a plain one is read and written plainly.
     * A public mutable field that another package uses is named as such; one that nothing outside
     * uses fails {@link #engineIsPublicOnlyWhereAnotherPackageNeedsIt} as well.
     */
    @Test
    void noPublicMutableField() throws Exception {
        load();
        Set<String> failures = new TreeSet<>();
        for (Cls c : classes.values()) {
            if (c.test()) {
                continue;
            }
            for (FieldModel f : c.model().fields()) {
                // protected counts too: a subclass in another package (Page over segment.Span) writes it across layers
                if ((f.flags().has(AccessFlag.PUBLIC) || f.flags().has(AccessFlag.PROTECTED)) && !f.flags().has(AccessFlag.FINAL)) {
                    String key = c.name() + "." + f.fieldName().stringValue() + ":" + f.fieldType().stringValue();
                    String use = fromMain.contains(key) ? " (another package's main code uses it)"
                            : fromTests.contains(key) ? " (tests of another package use it)" : "";
                    failures.add(key.replace('/', '.') + use);
                }
            }
        }
        if (!failures.isEmpty()) {
            fail("engine fields public or protected and mutable (make them private or package-private; other packages go through"
                    + " accessors named by their ordering, see docs/concurrency.md):\n  " + String.join("\n  ", failures));
        }
    }

    @Test
    void engineIsPublicOnlyWhereAnotherPackageNeedsIt() throws Exception {
        load();
        Set<String> failures = new TreeSet<>();
        for (Cls c : classes.values()) {
            if (c.test() || !isPublic(c) || c.model().flags().has(AccessFlag.SYNTHETIC)) {
                continue;
            }
            if (!c.name().equals(ROOT + "/NallocProvider")) {
                check(c.name(), "class " + c.name(), failures);
            }
            ClassModel cm = c.model();
            if (cm.flags().has(AccessFlag.INTERFACE)) {
                continue;
            }
            for (FieldModel f : cm.fields()) {
                if (f.flags().has(AccessFlag.PUBLIC) && !f.flags().has(AccessFlag.ENUM)
                        && f.findAttribute(Attributes.constantValue()).isEmpty()) {
                    String key = c.name() + "." + f.fieldName().stringValue() + ":" + f.fieldType().stringValue();
                    check(key, "field " + key, failures);
                }
            }
            for (MethodModel m : cm.methods()) {
                if (m.flags().has(AccessFlag.PUBLIC) && !m.flags().has(AccessFlag.SYNTHETIC) && !mustStayPublic(c, m)
                        && !overriddenElsewhere(c, m)) {
                    String key = c.name() + "." + m.methodName().stringValue() + ":" + m.methodType().stringValue();
                    check(key, "method " + key, failures);
                }
            }
        }
        if (!failures.isEmpty()) {
            fail("engine types and members public without a user in another package's main code (make them"
                    + " package-private; a test elsewhere goes through its package's probe class, e.g."
                    + " heap.HeapProbes):\n  " + String.join("\n  ", failures));
        }
    }

    private void check(String key, String what, Set<String> failures) {
        if (!fromMain.contains(key)) {
            failures.add(what.replace('/', '.') + (fromTests.contains(key) ? " (only tests of other packages use it)" : ""));
        }
    }

    private void read(Path root, boolean test) throws IOException {
        try (Stream<Path> files = Files.walk(root.resolve(ROOT))) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                String name = model.thisClass().asInternalName();
                if (!name.endsWith("/package-info")) {
                    classes.put(name, new Cls(name, model, test));
                }
            }
        }
    }

    private void references(Cls user) {
        Set<String> into = user.test() ? fromTests : fromMain;
        for (PoolEntry e : user.model().constantPool()) {
            if (e instanceof ClassEntry ce) {
                String n = ce.asInternalName();
                if (n.startsWith("[")) {
                    continue; // array descriptors: their element types are Utf8 entries too
                }
                named(user, n, into);
            } else if (e instanceof Utf8Entry utf8) {
                Matcher m = NAME.matcher(utf8.stringValue());
                while (m.find()) {
                    named(user, m.group(1), into);
                }
            } else if (e instanceof MemberRefEntry ref) {
                String declaring = declaring(ref.owner().asInternalName(), ref.name().stringValue(),
                        ref.type().stringValue(), ref instanceof FieldRefEntry);
                if (declaring != null && !packageOf(declaring).equals(user.pkg())) {
                    into.add(declaring + "." + ref.name().stringValue() + ":" + ref.type().stringValue());
                }
            }
        }
    }

    /** A class named from {@code user}'s package: it, and the classes it is nested in, must be accessible there. */
    private static void named(Cls user, String name, Set<String> into) {
        if (!name.startsWith(ROOT + "/") || packageOf(name).equals(user.pkg())) {
            return;
        }
        for (String n = name; ; n = n.substring(0, n.lastIndexOf('$'))) {
            into.add(n);
            if (n.lastIndexOf('$') <= n.lastIndexOf('/')) {
                return;
            }
        }
    }

    /** The class that declares the member a reference through {@code owner} resolves to, or null outside the engine. */
    private String declaring(String owner, String name, String type, boolean field) {
        Deque<String> queue = new ArrayDeque<>(List.of(owner));
        Set<String> seen = new HashSet<>();
        while (!queue.isEmpty()) {
            String o = queue.poll();
            Cls c = classes.get(o);
            if (!seen.add(o) || c == null) {
                continue;
            }
            boolean declares = field
                    ? c.model().fields().stream().anyMatch(f -> f.fieldName().equalsString(name) && f.fieldType().equalsString(type))
                    : c.model().methods().stream().anyMatch(m -> m.methodName().equalsString(name) && m.methodType().equalsString(type));
            if (declares) {
                return o;
            }
            c.model().superclass().ifPresent(s -> queue.add(s.asInternalName()));
            c.model().interfaces().forEach(i -> queue.add(i.asInternalName()));
        }
        return null;
    }

    private static String packageOf(String internalName) {
        return internalName.substring(0, internalName.lastIndexOf('/'));
    }

    private static boolean isPublic(Cls c) {
        // A nested class's own flags are in the InnerClasses attribute.
        return c.model().findAttribute(Attributes.innerClasses()).stream()
                .flatMap(a -> a.classes().stream())
                .filter(i -> i.innerClass().asInternalName().equals(c.name()))
                .findFirst()
                .map(InnerClassInfo::flags)
                .map(f -> f.contains(AccessFlag.PUBLIC))
                .orElse(c.model().flags().has(AccessFlag.PUBLIC));
    }

    /** Public whatever uses it: see the class comment. */
    private static boolean mustStayPublic(Cls c, MethodModel m) throws ClassNotFoundException {
        String name = m.methodName().stringValue();
        String type = m.methodType().stringValue();
        ClassModel cm = c.model();
        if (name.equals("<clinit>") || c.name().equals(ROOT + "/NallocProvider")) {
            return true;
        }
        if (cm.flags().has(AccessFlag.ENUM) && (name.equals("values") || name.equals("valueOf"))) {
            return true;
        }
        var record = cm.findAttribute(Attributes.record());
        if (record.isPresent()) {
            String components = record.get().components().stream().map(rc -> rc.descriptor().stringValue()).collect(Collectors.joining());
            if (name.equals("<init>") && type.equals("(" + components + ")V")
                    || record.get().components().stream().anyMatch(rc -> rc.name().equalsString(name) && type.equals("()" + rc.descriptor().stringValue()))) {
                return true;
            }
        }
        if (name.equals("<init>") || m.flags().has(AccessFlag.STATIC)) {
            return false;
        }
        // An override of a generic method shows as a bridge of the same name.
        if (cm.methods().stream().anyMatch(b -> b.flags().has(AccessFlag.BRIDGE) && b.methodName().equalsString(name))) {
            return true;
        }
        Class<?> k = Class.forName(c.name().replace('/', '.'), false, EngineVisibilityTest.class.getClassLoader());
        Method self = Arrays.stream(k.getDeclaredMethods())
                .filter(x -> x.getName().equals(name) && descriptor(x).equals(type))
                .findFirst().orElseThrow();
        return overridesPublic(k, self);
    }

    /** A subclass in another package overrides it (package-private, it would no longer be overridden). */
    private boolean overriddenElsewhere(Cls c, MethodModel m) {
        if (m.methodName().equalsString("<init>") || m.flags().has(AccessFlag.STATIC)) {
            return false;
        }
        for (Cls sub : classes.values()) {
            if (!sub.pkg().equals(c.pkg()) && !sub.name().equals(c.name()) && isSubclass(sub.name(), c.name())
                    && sub.model().methods().stream().anyMatch(x -> x.methodName().equals(m.methodName())
                    && x.methodType().equals(m.methodType()))) {
                return true;
            }
        }
        return false;
    }

    private boolean isSubclass(String name, String of) {
        Deque<String> queue = new ArrayDeque<>(List.of(name));
        Set<String> seen = new HashSet<>();
        while (!queue.isEmpty()) {
            String o = queue.poll();
            Cls c = classes.get(o);
            if (o.equals(of)) {
                return true;
            }
            if (!seen.add(o) || c == null) {
                continue;
            }
            c.model().superclass().ifPresent(s -> queue.add(s.asInternalName()));
            c.model().interfaces().forEach(i -> queue.add(i.asInternalName()));
        }
        return false;
    }

    private static boolean overridesPublic(Class<?> k, Method self) {
        Deque<Class<?>> queue = new ArrayDeque<>();
        if (k.getSuperclass() != null) {
            queue.add(k.getSuperclass());
        }
        queue.addAll(List.of(k.getInterfaces()));
        Set<Class<?>> seen = new HashSet<>();
        while (!queue.isEmpty()) {
            Class<?> s = queue.poll();
            if (!seen.add(s)) {
                continue;
            }
            for (Method m : s.getDeclaredMethods()) {
                if (m.getName().equals(self.getName()) && Arrays.equals(m.getParameterTypes(), self.getParameterTypes())
                        && (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers()))) {
                    return true;
                }
            }
            if (s.getSuperclass() != null) {
                queue.add(s.getSuperclass());
            }
            queue.addAll(List.of(s.getInterfaces()));
        }
        return false;
    }

    private static String descriptor(Method m) {
        return java.lang.invoke.MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
    }
}
