/**
 * The Linux OS layer. {@link dev.nalloc.os.linux.LinuxOsPrimitives} holds the policy (which flags,
 * which fallbacks, mirroring mimalloc's {@code prim/unix}); {@code LinuxSyscalls} is the thin set
 * of raw calls it makes, implemented for real by {@code LibcSyscalls} with FFM downcalls, so that
 * the policy can also be tested against a simulated kernel.
 */
package dev.nalloc.os.linux;
