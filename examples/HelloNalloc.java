// Nalloc with the JDK alone, no build tool (JDK 25 runs a source file directly):
//
//   java --enable-native-access=ALL-UNNAMED \
//        -cp allocator-api.jar:allocator-core.jar:allocator-os-linux.jar:slf4j-api.jar HelloNalloc.java
//
// (the jars as `mvn -B install` leaves them in ~/.m2/repository/dev/nalloc/... and org/slf4j/slf4j-api;
// allocator-os-macos or allocator-os-windows on those platforms; ';' separates them on Windows).
import dev.nalloc.api.Allocator;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

void main() {
    Allocator nalloc = Allocator.global();
    long p = nalloc.malloc(1000);
    MemorySegment block = nalloc.asSegment(p, 1000);
    for (int i = 0; i < 125; i++) {
        block.setAtIndex(ValueLayout.JAVA_LONG, i, i * i);
    }
    long sum = 0;
    for (int i = 0; i < 125; i++) {
        sum += block.getAtIndex(ValueLayout.JAVA_LONG, i);
    }
    System.out.println("usable " + nalloc.usableSize(p) + " bytes, sum of squares " + sum
            + ", live blocks " + nalloc.stats().allocationCount());
    nalloc.free(p);
}
