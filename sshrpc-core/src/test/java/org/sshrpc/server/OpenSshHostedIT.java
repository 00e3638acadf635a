package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.testing.FramedProcess;
import org.sshrpc.testing.OpenSshd;
import org.sshrpc.testing.PrometheusText;
import org.sshrpc.testing.Tools;

/**
 * The interop suite against OpenSSH's own sshd hosting {@code sshrpc stdio} as its {@code
 * Subsystem}: the Java client (v1 and v2, errors, denial by policy, metrics access) and the
 * OpenSSH client ({@code ssh -s}, with a plain key and with a user certificate).
 */
@Timeout(180)
class OpenSshHostedIT {
  @TempDir static Path dir;
  static OpenSshd sshd;
  static Path knownHosts;
  static Path userKey;
  static Path opsKey;
  static Path certKey;
  static String userFp;
  static String opsFp;
  static String certFp;

  @BeforeAll
  static void startSshd() throws Exception {
    Tools.requireTool("sshd");
    Tools.requireTool("ssh");
    userKey = OpenSshd.generateKey(dir.resolve("id_user"), "ed25519");
    opsKey = OpenSshd.generateKey(dir.resolve("id_ops"), "ed25519");
    certKey = OpenSshd.generateKey(dir.resolve("id_cert"), "ed25519");
    Path ca = OpenSshd.generateKey(dir.resolve("user_ca"), "ed25519");
    String root = System.getProperty("user.name");
    run("ssh-keygen", "-q", "-s", ca.toString(), "-I", "cert-test", "-n", root, "-V", "-5m:+1h",
        dir.resolve("id_cert.pub").toString());
    userFp = fingerprint(dir.resolve("id_user.pub"));
    opsFp = fingerprint(dir.resolve("id_ops.pub"));
    certFp = fingerprint(dir.resolve("id_cert.pub"));

    Path policy = dir.resolve("policy.conf");
    Files.writeString(
        policy,
        String.join(
            "\n",
            "allow key=" + opsFp + " sshrpc_metrics:scrape/0",
            "allow key=" + certFp + " t:cert_only/0",
            "deny t:cert_only/0 t:secret/0",
            "allow *",
            ""));
    sshd =
        OpenSshd.builder()
            .subsystem("sshrpc@k2r.org", stdioScript(policy).toString())
            .subsystem("sshrpc", stdioScript(policy).toString())
            .authorizedKey(Files.readString(dir.resolve("id_user.pub")))
            .authorizedKey(Files.readString(dir.resolve("id_ops.pub")))
            .trustedUserCaKey(Files.readString(dir.resolve("user_ca.pub")))
            .start();
    knownHosts = sshd.writeKnownHosts(dir.resolve("known_hosts"));
  }

  @AfterAll
  static void stopSshd() {
    if (sshd != null) {
      sshd.close();
    }
  }

  /** A script sshd runs as the Subsystem: this JVM's java with the test classpath. */
  static Path stdioScript(Path policy) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path argfile = dir.resolve("stdio.args");
    Files.writeString(
        argfile,
        "-cp\n\"" + System.getProperty("java.class.path").replace("\\", "\\\\") + "\"\n",
        StandardCharsets.UTF_8);
    Path script = dir.resolve("sshrpc-stdio");
    Files.writeString(
        script,
        "#!/bin/sh\nexec " + java + " -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC @" + argfile
            + " -Dorg.slf4j.simpleLogger.defaultLogLevel=info " + StdioTestMain.class.getName()
            + " --policy " + policy + " 2>>" + dir.resolve("stdio.log") + "\n",
        StandardCharsets.UTF_8);
    script.toFile().setExecutable(true);
    return script;
  }

  static String fingerprint(Path pub) throws Exception {
    // ssh-keygen -lf prints "256 SHA256:... comment (ED25519)"; for a cert, the certified key's.
    return run("ssh-keygen", "-l", "-f", pub.toString()).split(" ")[1];
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    return out;
  }

  private RpcClient client(Path key, int version) {
    return RpcClient.builder()
        .identity(key)
        .knownHosts(knownHosts)
        .maxProtocolVersion(version)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  private String target() {
    return System.getProperty("user.name") + "@127.0.0.1:" + sshd.port();
  }

  private String diagnostics() throws IOException {
    Path log = dir.resolve("stdio.log");
    return "sshd log:\n" + sshd.log() + "\nstdio log:\n" + (Files.exists(log) ? Files.readString(log) : "");
  }

  private void javaClientSuite(int version) throws Exception {
    try (RpcClient c = client(userKey, version); RpcConnection conn = c.connect(target())) {
      assertEquals(version, conn.protocolVersion());
      Term seq = conn.call("lists", "seq", integer(1), integer(100));
      assertEquals(list(IntStream.rangeClosed(1, 100).mapToObj(i -> integer(i)).toArray(Term[]::new)), seq);
      assertEquals(atom("pong"), conn.call("sshrpc", "ping"));

      ErlTuple who = (ErlTuple) conn.call("t", "whoami");
      assertEquals(binary(System.getProperty("user.name")), who.get(0));
      assertEquals(binary(userFp), who.get(1), "key fingerprint from SSH_USER_AUTH");
      assertTrue(((ErlBinary) who.get(2)).utf8String().contains("127.0.0.1"), who.toString());

      RpcException raised = assertThrows(RpcException.class, () -> conn.call("t", "boom"));
      assertEquals(Status.RAISED, raised.status());
      assertTrue(raised.reason().toString().contains("java.lang.IllegalStateException"), raised.reason().toString());

      RpcException undef = assertThrows(RpcException.class, () -> conn.call("no_such", "fn"));
      assertEquals(Status.NOT_FOUND, undef.status());

      RpcException denied = assertThrows(RpcException.class, () -> conn.call("t", "secret"));
      assertEquals(Status.PERMISSION_DENIED, denied.status());
      assertTrue(denied.reason().toString().contains("sshrpc_denied"), denied.reason().toString());

      // A module writing to System.out must not break the frame stream.
      assertEquals(atom("ok"), conn.call("t", "print"));
      assertEquals(atom("pong"), conn.call("sshrpc", "ping"));
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(e.getMessage() + "\n" + diagnostics(), e);
    }
  }

  @Test
  void javaClientV2() throws Exception {
    javaClientSuite(2);
  }

  @Test
  void javaClientV1() throws Exception {
    javaClientSuite(1);
  }

  @Test
  void manyCallsInFlightOverOneChannel() throws Exception {
    try (RpcClient c = client(userKey, 2); RpcConnection conn = c.connect(target())) {
      List<CompletableFuture<Term>> calls = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        calls.add(conn.callAsync("sshrpc", "echo", integer(i)));
      }
      for (int i = 0; i < calls.size(); i++) {
        assertEquals(integer(i), calls.get(i).get(30, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void metricsOnlyForTheOperatorKey() throws Exception {
    try (RpcClient c = client(opsKey, 2); RpcConnection conn = c.connect(target())) {
      conn.call("lists", "seq", integer(1), integer(3));
      Term t = conn.call("sshrpc_metrics", "scrape");
      PrometheusText p = PrometheusText.parse(((ErlBinary) t).utf8String());
      // One stdio process per channel: its own session, its own calls.
      assertEquals(1, p.value("sshrpc_sessions_active"));
      assertEquals(1, p.value("sshrpc_calls_seconds_count", "mfa", "lists:seq/2", "status", "ok"));
      assertTrue(p.family("jvm_memory_used_bytes").isPresent());
    }
    try (RpcClient c = client(userKey, 2); RpcConnection conn = c.connect(target())) {
      RpcException e = assertThrows(RpcException.class, () -> conn.call("sshrpc_metrics", "scrape"));
      assertEquals(Status.PERMISSION_DENIED, e.status());
      assertFalse(conn.call("sshrpc", "modules").toString().contains("sshrpc_metrics"));
    }
  }

  @Test
  void opensshClientSpeaksFramesThroughSshd() throws Exception {
    try (FramedProcess ssh =
        FramedProcess.start(
            sshd.sshSubsystem(userKey, knownHosts, "sshrpc@k2r.org"), Map.of(), dir.resolve("ssh-1.err"))) {
      ssh.send(tuple(atom("mfa"), tuple(atom("lists"), atom("seq"), list(integer(1), integer(3)))));
      assertEquals(
          tuple(atom("answer"), tuple(list(integer(1), integer(2), integer(3)), integer(0))),
          ssh.receive(Duration.ofSeconds(30)));
      // The slides' flat shape, then an undecodable frame: answered, and the channel keeps serving.
      ssh.send(tuple(atom("mfa"), atom("sshrpc"), atom("ping"), list()));
      assertEquals(tuple(atom("answer"), tuple(atom("pong"), integer(0))), ssh.receive(Duration.ofSeconds(30)));
      ssh.sendRaw(FramedProcess.frame(new byte[] {(byte) 131, 99}));
      Term bad = ssh.receive(Duration.ofSeconds(30));
      assertTrue(bad.toString().contains("badframe"), bad.toString());
      ssh.send(tuple(atom("mfa"), tuple(atom("t"), atom("secret"), list())));
      Term denied = ssh.receive(Duration.ofSeconds(30));
      assertTrue(denied.toString().contains("sshrpc_denied"), denied.toString());
      ssh.closeInput();
      assertTrue(ssh.awaitEof(Duration.ofSeconds(30)), ssh.stderr());
      assertEquals(0, ssh.waitFor(Duration.ofSeconds(30)), ssh.stderr());
    }
  }

  @Test
  void shortAliasWorksToo() throws Exception {
    try (FramedProcess ssh =
        FramedProcess.start(sshd.sshSubsystem(userKey, knownHosts, "sshrpc"), Map.of(), dir.resolve("ssh-2.err"))) {
      ssh.send(tuple(atom("mfa"), tuple(atom("sshrpc"), atom("ping"), list())));
      assertEquals(tuple(atom("answer"), tuple(atom("pong"), integer(0))), ssh.receive(Duration.ofSeconds(30)));
    }
  }

  @Test
  void userCertificateIdentifiesTheCertifiedKey() throws Exception {
    // ssh picks up id_cert-cert.pub beside -i id_cert; sshd accepts it via TrustedUserCAKeys.
    List<String> cmd = sshd.sshSubsystem(certKey, knownHosts, "sshrpc@k2r.org");
    try (FramedProcess ssh = FramedProcess.start(cmd, Map.of(), dir.resolve("ssh-3.err"))) {
      ssh.send(tuple(atom("mfa"), tuple(atom("t"), atom("cert_only"), list())));
      assertEquals(
          tuple(atom("answer"), tuple(atom("certified"), integer(0))), ssh.receive(Duration.ofSeconds(30)),
          diagnostics());
      ssh.send(tuple(atom("mfa"), tuple(atom("t"), atom("whoami"), list())));
      Term who = ssh.receive(Duration.ofSeconds(30));
      assertTrue(who.toString().contains(certFp), who + " should name " + certFp);
    }
    // The plain user key is not allowed t:cert_only/0.
    try (FramedProcess ssh =
        FramedProcess.start(sshd.sshSubsystem(userKey, knownHosts, "sshrpc@k2r.org"), Map.of(), dir.resolve("ssh-4.err"))) {
      ssh.send(tuple(atom("mfa"), tuple(atom("t"), atom("cert_only"), list())));
      assertTrue(ssh.receive(Duration.ofSeconds(30)).toString().contains("sshrpc_denied"));
    }
  }

  @Test
  void unknownKeyIsRefusedBySshd() throws Exception {
    Path stranger = OpenSshd.generateKey(dir.resolve("id_stranger"), "ed25519");
    try (RpcClient c = client(stranger, 2)) {
      Exception e = assertThrows(Exception.class, () -> c.connect(target()).call("sshrpc", "ping"));
      assertTrue(e instanceof IOException || e instanceof RpcException, e.toString());
    }
  }
}
