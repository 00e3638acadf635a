package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.server.Metrics;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.Terms;
import org.sshrpc.testing.FramedProcess;
import org.sshrpc.testing.OpenSshd;
import org.sshrpc.testing.PrometheusText;

/**
 * {@code sshrpc stats} against the built-in server, and {@code sshrpc stdio} from the shaded jar
 * as the Subsystem of a real OpenSSH sshd (the sshd_config line of docs/operations.md).
 */
@Timeout(180)
class OpsCliIT {
  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private static Result sshrpc(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static String bound() {
    return "sshrpc-user=\"" + System.getProperty("user.name") + "\" ";
  }

  @Test
  void statsPrintsPrometheusTextToTheOperatorOnly() throws Exception {
    HostKeys ops = HostKeys.loadOrGenerate(dir.resolve("id_ops"));
    HostKeys user = HostKeys.loadOrGenerate(dir.resolve("id_user"));
    Files.writeString(
        dir.resolve("authorized_keys"),
        // Bound explicitly: a root-owned file (CI runs as root) never maps an unbound key to root.
        bound() + ops.publicKeyLine() + " ops\n" + bound() + user.publicKeyLine() + " user\n");
    Files.writeString(
        dir.resolve("policy"),
        "allow key=" + ops.fingerprint() + " sshrpc_metrics:scrape/0\nallow *\n");
    try (RpcServer server =
        RpcServer.builder()
            .listen("127.0.0.1", 0)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(dir.resolve("authorized_keys"))
            .policyFile(dir.resolve("policy"))
            .metrics(Metrics.builder().build())
            .build()
            .start()) {
      Path kh = dir.resolve("known_hosts");
      Files.writeString(kh, "[127.0.0.1]:" + server.port() + " " + server.hostKeys().publicKeyLine() + "\n");
      String node = "127.0.0.1:" + server.port();
      assertEquals(0, sshrpc("call", "-i", dir.resolve("id_user").toString(), "--known-hosts", kh.toString(), node, "lists:seq(1, 10)").code());

      Result r = sshrpc("stats", "-i", dir.resolve("id_ops").toString(), "--known-hosts", kh.toString(), node);
      assertEquals(0, r.code(), r.err());
      PrometheusText p = PrometheusText.parse(r.out());
      assertEquals(1, p.value("sshrpc_calls_seconds_count", "mfa", "lists:seq/2", "status", "ok"));
      assertEquals("histogram", p.family("sshrpc_calls_seconds").orElseThrow().type());
      assertTrue(p.value("sshrpc_sessions_opened_total") >= 2);
      assertTrue(p.value("sshrpc_received_bytes_total") > 0);
      assertEquals(1, p.value("sshrpc_sessions_active"), "the stats channel itself");

      Result denied = sshrpc("stats", "-i", dir.resolve("id_user").toString(), "--known-hosts", kh.toString(), node);
      assertEquals(Main.ERROR_REPLY, denied.code());
      assertEquals("", denied.out());
      assertTrue(denied.err().contains("sshrpc_denied"), denied.err());
    }
  }

  @Test
  void shadedJarServesAsOpenSshSubsystem() throws Exception {
    Path jar = Path.of("target", "sshrpc.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), jar + " is built by the package phase before failsafe runs");
    Path userKey = OpenSshd.generateKey(dir.resolve("id_user"), "ed25519");
    Path opsKey = OpenSshd.generateKey(dir.resolve("id_ops"), "ed25519");
    String opsFp = HostKeys.loadOrGenerate(opsKey).fingerprint();
    Path policy = Files.writeString(dir.resolve("policy.conf"), "allow key=" + opsFp + " sshrpc_metrics:scrape/0\nallow *\n");
    Path log = dir.resolve("stdio.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // The sshd_config line of docs/operations.md, verbatim but for the paths.
    String command =
        java + " -Xshare:auto -XX:TieredStopAtLevel=1 -jar " + jar + " stdio --trust-ssh-user-auth --policy "
            + policy + " --log-file " + log;
    try (OpenSshd sshd =
        OpenSshd.builder()
            .subsystem("sshrpc@k2r.org", command)
            // Without --log-file: stderr goes to the client, so it must carry no info or audit lines.
            .subsystem("sshrpc", java + " -XX:TieredStopAtLevel=1 -jar " + jar + " stdio --trust-ssh-user-auth --policy " + policy)
            .authorizedKey(Files.readString(dir.resolve("id_user.pub")))
            .authorizedKey(Files.readString(dir.resolve("id_ops.pub")))
            .start()) {
      Path kh = sshd.writeKnownHosts(dir.resolve("known_hosts"));
      String node = System.getProperty("user.name") + "@127.0.0.1:" + sshd.port();
      try (RpcClient c = RpcClient.builder().identity(userKey).knownHosts(kh).connectTimeout(Duration.ofSeconds(30)).build();
          RpcConnection conn = c.connect(node)) {
        assertEquals(Terms.list(Terms.integer(1), Terms.integer(2)), conn.call("lists", "seq", Terms.integer(1), Terms.integer(2)));
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError(sshd.log() + "\n" + (Files.exists(log) ? Files.readString(log) : "(no stdio log)"), e);
      }
      // Each command starts a JVM under sshd before its first reply: seconds on a loaded machine.
      Result call = sshrpc("call", "-i", userKey.toString(), "--known-hosts", kh.toString(), "--connect-timeout", "60", node, "sshrpc:ping()");
      assertEquals(0, call.code(), call.err());
      assertEquals("pong", call.out().strip());

      Result stats = sshrpc("stats", "-i", opsKey.toString(), "--known-hosts", kh.toString(), "--connect-timeout", "60", node);
      assertEquals(0, stats.code(), stats.err() + (Files.exists(log) ? Files.readString(log) : ""));
      PrometheusText p = PrometheusText.parse(stats.out());
      assertEquals(1, p.value("sshrpc_sessions_active"));

      Result denied = sshrpc("stats", "-i", userKey.toString(), "--known-hosts", kh.toString(), "--connect-timeout", "60", node);
      assertEquals(Main.ERROR_REPLY, denied.code());
      assertFalse(denied.out().contains("sshrpc_"), denied.out());
      try (FramedProcess ssh =
          FramedProcess.start(sshd.sshSubsystem(userKey, kh, "sshrpc"), Map.of(), dir.resolve("ssh.err"))) {
        ssh.send(Terms.tuple(Terms.atom("mfa"), Terms.tuple(Terms.atom("sshrpc"), Terms.atom("ping"), Terms.list())));
        assertEquals(
            Terms.tuple(Terms.atom("answer"), Terms.tuple(Terms.atom("pong"), Terms.integer(0))),
            ssh.receive(Duration.ofSeconds(60)));
        ssh.closeInput();
        assertEquals(0, ssh.waitFor(Duration.ofSeconds(60)), ssh.stderr());
        assertFalse(ssh.stderr().contains("INFO"), ssh.stderr());
        assertFalse(ssh.stderr().contains(" call user="), ssh.stderr());
      }
      assertTrue(Files.readString(log).contains("sshrpc stdio session for"), Files.readString(log));
      // The audit trail reaches --log-file: the call above, with the key sshd authenticated.
      String userFp = HostKeys.loadOrGenerate(userKey).fingerprint();
      assertTrue(
          Files.readString(log).lines().anyMatch(l -> l.contains(" call user=") && l.contains("key=" + userFp)
              && l.contains("mfa=lists:seq/2") && l.contains("status=ok")),
          Files.readString(log));
    }
  }
}
