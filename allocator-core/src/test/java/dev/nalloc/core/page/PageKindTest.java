package dev.nalloc.core.page;

import dev.nalloc.core.memory.Layout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PageKindTest {

    @Test
    void pageKindsFollowBlockSizes() {
        assertEquals(PageKind.SMALL, PageKind.of(8 << 10));
        assertEquals(PageKind.MEDIUM, PageKind.of((8 << 10) + 8));
        assertEquals(PageKind.MEDIUM, PageKind.of(64 << 10));
        assertEquals(PageKind.LARGE, PageKind.of((64 << 10) + 8));
        assertEquals(PageKind.HUGE, PageKind.of(Layout.LARGE_OBJ_SIZE_MAX + 8));
    }
}
