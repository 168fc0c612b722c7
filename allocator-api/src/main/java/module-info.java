/**
 * Nalloc's public API ({@link dev.nalloc.api}) and service provider interfaces ({@link dev.nalloc.spi}).
 *
 * <p>This module finds the engine ({@link dev.nalloc.spi.AllocatorProvider}) and the OS layers
 * ({@link dev.nalloc.spi.OsPrimitives}) with {@link java.util.ServiceLoader}.
 */
module dev.nalloc.api {
    requires org.slf4j;

    exports dev.nalloc.api;
    exports dev.nalloc.spi;

    uses dev.nalloc.spi.AllocatorProvider;
    uses dev.nalloc.spi.OsPrimitives;
}
