package dev.nalloc.core.leak;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An allocating stack as the interning key of its {@link Site}: class, method and bytecode index
 * per frame (what tells two call sites apart), compared without making stack trace elements, which
 * are made once per distinct stack.
 */
final class SiteKey {

    private final StackWalker.StackFrame[] frames;
    private final Class<?>[] classes;
    private final String[] methods;
    private final int[] bcis;
    private final int hash;

    SiteKey(StackWalker.StackFrame[] frames) {
        this.frames = frames;
        int n = frames.length;
        classes = new Class<?>[n];
        methods = new String[n];
        bcis = new int[n];
        int h = n;
        for (int i = 0; i < n; i++) {
            StackWalker.StackFrame f = frames[i];
            classes[i] = f.getDeclaringClass();
            methods[i] = f.getMethodName();
            bcis[i] = f.getByteCodeIndex();
            h = 31 * (31 * (31 * h + classes[i].hashCode()) + methods[i].hashCode()) + bcis[i];
        }
        hash = h;
    }

    /** The stack as elements (file and line), innermost first: made once, for a new site. */
    List<StackTraceElement> elements() {
        List<StackTraceElement> list = new ArrayList<>(frames.length);
        for (StackWalker.StackFrame f : frames) {
            list.add(f.toStackTraceElement());
        }
        return list;
    }

    /** Drops the frames (the site keeps its elements; the key only compares). */
    SiteKey compact() {
        return new SiteKey(this);
    }

    private SiteKey(SiteKey k) {
        frames = new StackWalker.StackFrame[0];
        classes = k.classes;
        methods = k.methods;
        bcis = k.bcis;
        hash = k.hash;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SiteKey k) || k.hash != hash || !Arrays.equals(k.bcis, bcis)) {
            return false;
        }
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] != k.classes[i] || !methods[i].equals(k.methods[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
