package dev.nalloc.bench.report;

/**
 * An allocator that took part (or was skipped) and its version.
 *
 * @param name        the short name
 * @param description what it is and how it is called
 * @param version     the version shown in reports
 * @param skipLine    empty when it ran, else the one line saying why not and how to fix it
 */
public record PeerInfo(String name, String description, String version, String skipLine) {

    public boolean available() {
        return skipLine.isEmpty();
    }
}
