package org.sshrpc.client;

import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/**
 * One replica of a fleet in its own JVM, for {@link FleetIT}: {@code FleetReplicaMain DIR HOST
 * PORT} serves module {@code fleet} on HOST:PORT with the host key, its certificate ({@code
 * host_ed25519-cert.pub}, when present) and authorized_keys in DIR, prints {@code READY} and runs
 * until killed. {@code fleet:whoami()} and {@code fleet:get(Id)} return {@code <<"HOST:PORT">>};
 * {@code fleet:bump(Id)} also appends Id to {@code DIR/bump.log} (written through before it
 * answers), so the test can count how often each non-idempotent call ran.
 */
public final class FleetReplicaMain {
  private FleetReplicaMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String host = args[1];
    int port = Integer.parseInt(args[2]);
    Term me = Terms.binary(host + ":" + port);
    FileOutputStream log = new FileOutputStream(dir.resolve("bump.log").toFile(), true);
    RpcModule fleet =
        RpcModule.builder("fleet")
            .function("whoami", 0, (ctx, a) -> me)
            .function("get", 1, (ctx, a) -> me)
            .function("bump", 1, (ctx, a) -> {
              byte[] line = (org.sshrpc.term.TermPrinter.print(a.get(0)) + "\n").getBytes(StandardCharsets.US_ASCII);
              synchronized (log) {
                log.write(line); // unbuffered: in the kernel before the reply leaves
              }
              return me;
            })
            .build();
    RpcServer.Builder b =
        RpcServer.builder()
            .listen(host, port)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(dir.resolve("authorized_keys"))
            .closeTimeout(Duration.ofSeconds(1))
            .module(fleet);
    Path cert = dir.resolve("host_ed25519-cert.pub");
    if (Files.exists(cert)) {
      b.hostCertificate(cert);
    }
    RpcServer server = b.build().start();
    System.out.println("READY " + server.port());
    System.out.flush();
    Thread.currentThread().join(); // until killed
  }
}
