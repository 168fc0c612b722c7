package dev.nalloc.bench.peer;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How to obtain one peer: its name, how to open it inside a JVM, how to tell from the parent
 * process whether it can run, what environment its child JVM needs and what version it is.
 *
 * @param name             the short name in tables and selections
 * @param description      a few words for the table legend
 * @param opener           opens the peer in the current JVM (throws {@link PeerUnavailableException})
 * @param availability     from the parent JVM: empty when it can run, else the one skip line
 * @param childEnvironment extra environment variables its child JVM needs (LD_PRELOAD for jemalloc)
 * @param version          the version string shown in reports
 * @param inWorkloads      whether it takes part in the workload comparison by default
 */
public record PeerSpec(String name, String description, Supplier<AllocatorUnderTest> opener,
                       Supplier<Optional<String>> availability, Map<String, String> childEnvironment,
                       Supplier<String> version, boolean inWorkloads) {

    /** Opens the peer here. */
    public AllocatorUnderTest open() {
        return opener.get();
    }

    /** Empty when the peer can run on this machine, else the single line that says how to get it. */
    public Optional<String> skipLine() {
        return availability.get();
    }
}
