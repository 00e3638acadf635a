package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.testing.OpenSshd;
import org.sshrpc.testing.Tools;

/**
 * {@code serve} and {@code stdio} as an operator meets them: configuration errors exit 78 naming
 * the file and the reason, a port in use is said once, the host key's .pub is written beside it
 * (and is what ssh-keyscan sees), log lines share one format with one timestamp, and a stdio
 * start-up failure reaches both the log file and the client.
 */
@Timeout(240)
class ServeOpsIT {
  private static final String USER = System.getProperty("user.name");
  /** slf4j-simple's line in the sshrpc command's format: one timestamp, level, short logger name. */
  private static final String STAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private static Result sshrpc(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Path jar() {
    Path jar = Path.of(System.getProperty("basedir", ".")).resolve("target/sshrpc.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), jar + " is missing: run through mvn verify (package builds it)");
    return jar;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private Path authorizedKeys(Path userKey) throws IOException {
    return Files.writeString(dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + USER + "\" " + Files.readString(userKey.resolveSibling(userKey.getFileName() + ".pub")).strip() + "\n");
  }

  @Test
  void configurationErrorsExit78WithTheFileAndTheReason() throws Exception {
    Path ak = Files.writeString(dir.resolve("authorized_keys"), "");
    Path missing = dir.resolve("policy.txt");
    Result r = sshrpc("serve", "--listen", "127.0.0.1:0", "--host-key", dir.resolve("hk").toString(),
        "--authorized-keys", ak.toString(), "--policy", missing.toString());
    assertEquals(new Result(78, "", "sshrpc serve: " + missing + ": No such file or directory\n"), r);

    Path bad = Files.writeString(dir.resolve("bad_policy.txt"), "allow *\npermit lists:seq/2\n");
    r = sshrpc("serve", "--listen", "127.0.0.1:0", "--host-key", dir.resolve("hk").toString(),
        "--authorized-keys", ak.toString(), "--policy", bad.toString());
    assertEquals(78, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("sshrpc serve: ") && r.err().contains(bad.toString()) && r.err().contains("2"), r.err());

    Path noCa = dir.resolve("no_ca.pub");
    r = sshrpc("serve", "--listen", "127.0.0.1:0", "--host-key", dir.resolve("hk").toString(),
        "--authorized-keys", ak.toString(), "--trusted-user-ca", noCa.toString());
    assertEquals(new Result(78, "", "sshrpc serve: " + noCa + ": --trusted-user-ca file does not exist\n"), r);
  }

  @Test
  void servedHostKeyPubBesideTheKeyPortInUseOnceAndOneLogFormat() throws Exception {
    Path userKey = OpenSshd.generateKey(dir.resolve("id_user"), "ed25519");
    Path ak = authorizedKeys(userKey);
    Path hostKey = dir.resolve("state/host_ed25519");
    Path policy = Files.writeString(dir.resolve("policy.conf"), "allow *\n");
    Process p =
        new ProcessBuilder(java(), "-jar", jar().toString(), "serve", "--listen", "127.0.0.1:0", "--host-key", hostKey.toString(),
                "--authorized-keys", ak.toString(), "--policy", policy.toString())
            .redirectError(dir.resolve("serve.err").toFile())
            .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String ready = CompletableFuture.supplyAsync(() -> {
        try {
          return String.valueOf(out.readLine());
        } catch (IOException e) {
          return e.toString();
        }
      }).get(60, TimeUnit.SECONDS);
      Matcher m = Pattern.compile("^sshrpc serve: ready on 127\\.0\\.0\\.1:(\\d+) ").matcher(ready);
      assertTrue(m.find(), ready);
      int port = Integer.parseInt(m.group(1));

      // host_ed25519.pub beside the generated key: the line ssh-keyscan sees, for known_hosts.
      HostKeys hk = HostKeys.loadOrGenerate(hostKey);
      Path pub = hostKey.resolveSibling("host_ed25519.pub");
      assertEquals(hk.publicKeyLine() + " sshrpc-host-key\n", Files.readString(pub));
      String keyscan = Tools.requireTool("ssh-keyscan");
      ProcessBuilder scan = new ProcessBuilder(keyscan, "-t", "ed25519", "-p", String.valueOf(port), "127.0.0.1");
      Process s = scan.redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String scanned = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(s.waitFor(60, TimeUnit.SECONDS));
      assertEquals("[127.0.0.1]:" + port + " " + hk.publicKeyLine() + "\n", scanned);

      // The .pub line, as docs/operations.md shows, is a known_hosts entry clients accept.
      Path kh = Files.writeString(dir.resolve("known_hosts"), scanned);
      Result call = sshrpc("call", "-i", userKey.toString(), "--known-hosts", kh.toString(), "127.0.0.1:" + port, "lists:seq(1,2)");
      assertEquals(new Result(0, "[1,2]\n", ""), call);

      // The same port again: one line, no library ERROR line before it.
      Process again =
          new ProcessBuilder(java(), "-jar", jar().toString(), "serve", "--listen", "127.0.0.1:" + port, "--host-key",
                  hostKey.toString(), "--authorized-keys", ak.toString())
              .redirectErrorStream(true)
              .start();
      String againOut = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(again.waitFor(60, TimeUnit.SECONDS));
      assertEquals(2, again.exitValue(), againOut);
      assertEquals("sshrpc serve: cannot listen on 127.0.0.1:" + port + ": Address already in use\n", againOut);

      // Log lines: one format, one timestamp each (audit lines included).
      List<String> lines = Files.readAllLines(dir.resolve("serve.err"));
      String audit = lines.stream().filter(l -> l.contains(" call user=")).findFirst().orElseThrow(() -> new AssertionError(lines));
      assertTrue(audit.matches(STAMP + " INFO audit - call user=" + Pattern.quote(USER) + " key=SHA256:\\S+ from=127\\.0\\.0\\.1:\\d+ mfa=lists:seq/2 status=ok duration_us=\\d+"), audit);
      for (String l : lines) {
        if (!l.startsWith("sshrpc serve: ")) {
          assertTrue(l.matches(STAMP + " (INFO|WARN|ERROR) \\S+ - .*"), l);
          assertFalse(l.substring(24).matches(".*" + STAMP + ".*"), "two timestamps: " + l);
        }
      }
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void stdioStartUpFailureReachesTheLogFileAndTheClient() throws Exception {
    Path userKey = OpenSshd.generateKey(dir.resolve("id_user"), "ed25519");
    Path missing = dir.resolve("missing_policy.conf");
    Path log = dir.resolve("stdio.log");

    // Run directly: exit 78, the reason on stderr and in the log file, in the log's format.
    Process direct = new ProcessBuilder(java(), "-jar", jar().toString(), "stdio", "--policy", missing.toString(), "--log-file", log.toString())
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
    direct.getOutputStream().close();
    String directErr = new String(direct.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(direct.waitFor(60, TimeUnit.SECONDS));
    assertEquals(78, direct.exitValue(), directErr);
    String why = "sshrpc stdio: " + missing + ": No such file or directory";
    assertEquals(why + "\n", directErr);
    List<String> logged = Files.readAllLines(log);
    assertEquals(1, logged.size(), logged.toString());
    assertTrue(logged.get(0).matches(STAMP + " ERROR StdioCommand - " + Pattern.quote(why)), logged.get(0));

    // Under OpenSSH sshd (which drops a subsystem's stderr): the client's first frame is answered
    // with a channel error naming the cause, which the one line quotes instead of "connection lost".
    String command = java() + " -XX:TieredStopAtLevel=1 -jar " + jar() + " stdio --policy " + missing + " --log-file " + log;
    try (OpenSshd sshd =
        OpenSshd.builder()
            .subsystem("sshrpc@k2r.org", command)
            .authorizedKey(Files.readString(dir.resolve("id_user.pub")))
            .start()) {
      Path kh = sshd.writeKnownHosts(dir.resolve("known_hosts"));
      Result r = sshrpc("call", "-i", userKey.toString(), "--known-hosts", kh.toString(), "--connect-timeout", "60",
          USER + "@127.0.0.1:" + sshd.port(), "sshrpc:ping()");
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("sshrpc: "), r.err());
      assertEquals("sshrpc: cannot open sshrpc@k2r.org on " + USER + "@127.0.0.1:" + sshd.port()
          + ": the server refused the channel (unavailable): " + why + "\n", r.err());
      assertEquals(2, Files.readAllLines(log).size(), "logged again by the second start: " + Files.readString(log));
    }
  }

  @Test
  void portInUseInProcessIsOneLineToo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Path ak = Files.writeString(dir.resolve("authorized_keys"), "");
      Result r = sshrpc("serve", "--listen", "127.0.0.1:" + taken.getLocalPort(), "--host-key", dir.resolve("hk").toString(),
          "--authorized-keys", ak.toString());
      assertEquals(new Result(2, "", "sshrpc serve: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use\n"), r);
    }
  }
}
