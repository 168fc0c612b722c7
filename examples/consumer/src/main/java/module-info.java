module com.example.app {
    requires dev.nalloc.api;

    exports com.example.app;
}
