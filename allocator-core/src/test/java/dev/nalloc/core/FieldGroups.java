package dev.nalloc.core;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reflection over classes whose fields are laid out in padded groups by a chain of superclasses
 * (the JVM lays out a superclass's fields before its subclass's): {@code page.PageFields},
 * {@code heap.HeapSlotFields}. Shared by their layout tests.
 */
public final class FieldGroups {

    private FieldGroups() {
    }

    /** The classes from the one below {@code stop} down to {@code leaf}, superclass first. */
    public static List<Class<?>> chain(Class<?> leaf, Class<?> stop) {
        List<Class<?>> chain = new ArrayList<>();
        for (Class<?> c = leaf; c != stop; c = c.getSuperclass()) {
            chain.addFirst(c);
        }
        return chain;
    }

    /** The instance fields {@code c} declares. */
    public static List<Field> instanceFields(Class<?> c) {
        return Arrays.stream(c.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers())).toList();
    }

    /** The names of the instance fields {@code c} declares. */
    public static Set<String> names(Class<?> c) {
        return instanceFields(c).stream().map(Field::getName).collect(Collectors.toSet());
    }

    /** A padding class: only byte fields, at least {@code pad} of them. */
    public static void assertPadding(Class<?> c, int pad) {
        List<Field> fields = instanceFields(c);
        assertTrue(fields.size() >= pad, c.getSimpleName() + " pads " + fields.size() + " bytes");
        assertTrue(fields.stream().allMatch(f -> f.getType() == byte.class), c.getSimpleName() + " holds only bytes");
    }
}
