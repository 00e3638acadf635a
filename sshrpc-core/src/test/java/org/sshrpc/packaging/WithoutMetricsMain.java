package org.sshrpc.packaging;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.server.Metrics;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;
import org.sshrpc.term.Terms;

/**
 * Not a test by itself: run by {@link WithoutMetricsTest} in a JVM whose class path lacks
 * Micrometer and Prometheus. Starts a server without metrics on loopback, calls it over SSH with
 * a client, and prints one line per check; any failure is an exception (exit status 1).
 */
public final class WithoutMetricsMain {
  private WithoutMetricsMain() {}

  public static void main(String[] args) throws Exception {
    try {
      Class.forName("io.micrometer.core.instrument.MeterRegistry");
      System.out.println("micrometer: present");
    } catch (ClassNotFoundException e) {
      System.out.println("micrometer: absent");
    }
    Path dir = Files.createTempDirectory("sshrpc-nometrics");
    KeyPair user = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    Path auth = dir.resolve("authorized_keys");
    Files.writeString(
        auth, "sshrpc-user=\"tester\" " + PublicKeyEntry.toString(user.getPublic()) + "\n", StandardCharsets.UTF_8);
    RpcModule m =
        RpcModule.builder("pkg").function("twice", 1, (ctx, a) -> Terms.integer(2 * ((org.sshrpc.term.ErlInteger) a.get(0)).longValue())).build();
    try (RpcServer server =
        RpcServer.builder()
            .listen("127.0.0.1", 0)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(auth)
            .module(m)
            .build()
            .start()) {
      Path kh = dir.resolve("known_hosts");
      Files.writeString(kh, "[127.0.0.1]:" + server.port() + " " + server.hostKeys().publicKeyLine() + "\n");
      try (RpcClient client = RpcClient.builder().identity(user).knownHosts(kh).defaultUser("tester").build();
          RpcConnection conn = client.connect("127.0.0.1:" + server.port())) {
        Term r = conn.call("pkg", "twice", Terms.integer(21));
        System.out.println("call: " + TermPrinter.print(r));
        System.out.println("builtin: " + TermPrinter.print(conn.call("lists", "seq", Terms.integer(1), Terms.integer(3))));
      }
    }
    try {
      Metrics.builder();
      System.out.println("Metrics.builder: ok");
    } catch (IllegalStateException e) {
      System.out.println("Metrics.builder: " + e.getMessage());
    }
    System.out.println("metrics none: enabled=" + Metrics.none().enabled() + " scrape=[" + Metrics.none().scrape() + "]");
  }
}
