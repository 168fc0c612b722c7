package dev.nalloc.examples.server;

import dev.nalloc.api.Allocator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A server loop on virtual threads, on the loopback interface only: one virtual thread per
 * connection; each request line is copied into a native block of the global allocator, upper-cased
 * there, written back, and freed. Thousands of virtual threads share a few heaps (the default heap
 * selection policy), and any of them may free any block. The example runs a bounded number of
 * clients against it and stops by itself.
 */
public final class VirtualThreadServer implements AutoCloseable {

    private final Allocator nalloc = Allocator.global();
    private final ServerSocket socket;
    private final ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread acceptor;

    /**
     * Starts listening on an ephemeral port of the loopback address.
     *
     * @throws IOException when the socket cannot be opened
     */
    public VirtualThreadServer() throws IOException {
        socket = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("acceptor").start(this::acceptLoop);
    }

    /** {@return the port the server listens on} */
    public int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                connections.submit(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
            OutputStream out = client.getOutputStream();
            for (String line; (line = in.readLine()) != null; ) {
                byte[] request = line.getBytes(StandardCharsets.UTF_8);
                long block = nalloc.malloc(request.length + 1);
                if (block == 0) {
                    return; // out of memory: drop the connection
                }
                try {
                    MemorySegment buffer = nalloc.asSegment(block, request.length + 1);
                    MemorySegment.copy(request, 0, buffer, JAVA_BYTE, 0, request.length);
                    for (long i = 0; i < request.length; i++) {
                        byte b = buffer.get(JAVA_BYTE, i);
                        if (b >= 'a' && b <= 'z') {
                            buffer.set(JAVA_BYTE, i, (byte) (b - 32));
                        }
                    }
                    buffer.set(JAVA_BYTE, request.length, (byte) '\n');
                    out.write(buffer.toArray(JAVA_BYTE));
                } finally {
                    nalloc.free(block);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        connections.close(); // waits for the connections to end
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs 500 clients on virtual threads, 20 requests each, and checks every reply.
     *
     * @param args unused
     * @throws Exception when a reply is wrong or the network fails
     */
    public static void main(String[] args) throws Exception {
        int clients = 500;
        int requests = 20;
        try (VirtualThreadServer server = new VirtualThreadServer();
             ExecutorService load = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                done.add(load.submit(() -> client(server.port(), id, requests)));
            }
            int replies = 0;
            for (Future<Integer> f : done) {
                replies += f.get();
            }
            System.out.printf("server: %d clients, %d replies, %d blocks live in the global allocator%n",
                    clients, replies, Allocator.global().stats().allocationCount());
        }
        System.out.println("server example done");
    }

    private static int client(int port, int id, int requests) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
             PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
             BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            for (int r = 0; r < requests; r++) {
                String request = "client " + id + " request " + r;
                out.println(request);
                String reply = in.readLine();
                if (!request.toUpperCase(java.util.Locale.ROOT).equals(reply)) {
                    throw new IllegalStateException("wrong reply '" + reply + "' to '" + request + "'");
                }
            }
            return requests;
        }
    }
}
