package org.sshrpc.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.Terms;

/**
 * A server in its own JVM, for {@link FaultIT}: {@code FaultServerMain DIR PORT} serves the test
 * module (plus {@code t:hog/1}, which allocates N MiB in 1 MiB pieces) on 127.0.0.1:PORT with the
 * host key and authorized_keys in DIR, prints {@code READY} on stdout and runs until killed.
 */
public final class FaultServerMain {
  private FaultServerMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    RpcModule hog =
        RpcModule.builder("hog")
            .function("hog", 1, (ctx, a) -> {
              long mib = ((ErlInteger) a.get(0)).longValue();
              List<byte[]> held = new ArrayList<>();
              for (long i = 0; i < mib; i++) {
                held.add(new byte[1 << 20]);
              }
              return Terms.integer(held.size());
            })
            .build();
    RpcServer server =
        RpcServer.builder()
            .listen("127.0.0.1", port)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(dir.resolve("authorized_keys"))
            .executorThreads(4)
            .maxWorkersPerUser(4) // one user here: the per-user share would queue its echoes behind its sleeps
            .closeTimeout(Duration.ofSeconds(1))
            .module(HardeningFixture.testModule())
            .module(hog)
            .build()
            .start();
    System.out.println("READY " + server.port());
    System.out.flush();
    Thread.currentThread().join(); // until killed
  }
}
