package dev.nalloc.core.os;

import dev.nalloc.spi.OsPrimitives;

/**
 * The NUMA nodes the engine uses (mimalloc's {@code _mi_os_numa_node_count} and
 * {@code _mi_os_numa_node}): the machine's nodes, limited by {@code use_numa_nodes} when set. On a
 * machine with one node (or with NUMA turned off) no thread has a preferred node, and arena choice
 * ignores nodes altogether.
 */
public final class Numa {

    private final OsPrimitives os;
    private final int nodes;

    /**
     * @param useNumaNodes option {@code use_numa_nodes}: 0 for all the machine has, otherwise at most that many
     */
    public Numa(OsPrimitives os, long useNumaNodes) {
        this.os = os;
        int machine = Math.max(1, os.numaNodeCount());
        this.nodes = useNumaNodes > 0 ? (int) Math.min(machine, useNumaNodes) : machine;
    }

    /** The nodes in use (at least 1). */
    public int nodes() {
        return nodes;
    }

    /** Whether there is more than one node to choose from. */
    public boolean enabled() {
        return nodes > 1;
    }

    /** The calling thread's node (folded into the nodes in use), or -1 when NUMA does not matter. */
    public int currentNode() {
        if (nodes <= 1) {
            return -1;
        }
        int node = os.currentNumaNode();
        return node < 0 ? -1 : node % nodes;
    }
}
