package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.AuthorizedKeysAuthenticator;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.server.RpcServer;
import org.sshrpc.testing.OpenSshd;
import org.sshrpc.testing.Tools;

/**
 * The CLI as an SSH client, against real peers on loopback: ~/.ssh/config in a temporary HOME, a
 * real OpenSSH ssh-agent holding the only key, user certificates from {@code ssh-keygen -s}
 * accepted by our server and by OpenSSH sshd, every failure as one exact line and exit code, and
 * known_hosts lines that OpenSSH's own {@code ssh-keygen -F} and {@code ssh} read.
 */
@Timeout(300)
class SshClientIT {
  private static final String USER = System.getProperty("user.name");

  @TempDir Path dir;

  private RpcServer server;
  private int port;
  private Path key;
  private Path knownHosts;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Tools.requireTool("ssh-keygen");
    key = OpenSshd.generateKey(dir.resolve("id_ed25519"), "ed25519");
    server = server(Files.readString(dir.resolve("id_ed25519.pub")), null, "127.0.0.1");
    port = server.port();
    knownHosts = Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + server.hostKeys().publicKeyLine() + "\n");
  }

  /** Our server on {@code host}, port 0, with one authorized key line (bound to this user) and an optional user CA. */
  private RpcServer server(String authorizedKey, Path userCa, String host) throws IOException {
    Path ak = Files.createTempFile(dir, "authorized_keys", "");
    Files.writeString(ak, authorizedKey == null ? "" : "sshrpc-user=\"" + USER + "\" " + authorizedKey.strip() + "\n");
    AuthorizedKeysAuthenticator.Builder auth = AuthorizedKeysAuthenticator.builder(ak);
    if (userCa != null) {
      auth.trustedUserCaKeys(userCa);
    }
    return RpcServer.builder()
        .listen(host, 0)
        .hostKey(dir.resolve("host_ed25519"))
        .publickeyAuthenticator(auth.build())
        .build()
        .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.close();
    }
    for (Process p : started) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private record Result(int code, String out, String err) {}

  /** sshrpc in this JVM. */
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

  /**
   * sshrpc.jar as its own process with {@code home} as HOME (and user.home), {@code env} added
   * and SSH_AUTH_SOCK removed unless given: what a user's shell runs.
   */
  private Result process(Path home, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Duser.home=" + home);
    cmd.addAll(List.of("-jar", jar().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("SSH_AUTH_SOCK");
    pb.environment().remove("SSHRPC_PASSPHRASE");
    pb.environment().put("HOME", home.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("sshrpc " + String.join(" ", args) + " did not exit");
    }
    return new Result(
        p.exitValue(),
        new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8),
        new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /** Runs a tool to completion; returns {exit, stdout+stderr}. */
  private static String[] tool(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
    return new String[] {String.valueOf(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
  }

  private Path home() throws IOException {
    Path home = Files.createTempDirectory(dir, "home");
    Files.createDirectories(home.resolve(".ssh"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return home;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String fingerprint(Path key) throws IOException {
    return HostKeys.loadOrGenerate(key).fingerprint();
  }

  /**
   * ssh's line for a name that does not resolve; the reason is the resolver's own words, as with
   * ssh ("Name or service not known", or without a reachable DNS server "Temporary failure in name
   * resolution").
   */
  private static void assertUnresolved(String host, Result r) {
    assertEquals(2, r.code(), r.err());
    assertEquals("", r.out());
    assertTrue(
        r.err().matches("sshrpc: Could not resolve hostname " + java.util.regex.Pattern.quote(host)
            + ": (Name or service not known|Temporary failure in name resolution)\n"),
        r.err());
  }

  // ------------------------------------------------------------------ ~/.ssh/config

  @Test
  void sshConfigAliasPortAndIdentityFileFromATemporaryHome() throws Exception {
    Path home = home();
    Path workKey = OpenSshd.generateKey(home.resolve(".ssh/work_key"), "ed25519");
    server.close();
    server = server(Files.readString(home.resolve(".ssh/work_key.pub")), null, "127.0.0.1");
    port = server.port();
    Files.writeString(home.resolve(".ssh/known_hosts"), "[127.0.0.1]:" + port + " " + server.hostKeys().publicKeyLine() + "\n");
    Files.writeString(
        home.resolve(".ssh/config"),
        "# an alias with its own port and key\n"
            + "Host node1 node1.invalid\n"
            + "    HostName 127.0.0.1\n"
            + "    Port " + port + "\n"
            + "    IdentityFile ~/.ssh/work_key\n"
            + "\n"
            + "Host *\n"
            + "    User " + USER + "\n");

    Result r = process(home, Map.of(), "call", "node1.invalid", "sshrpc:ping()");
    assertEquals(new Result(0, "pong\n", ""), r);

    // -p and -o Port= are command-line values: they win over the file's Port, as with ssh.
    int closed = closedPort();
    r = process(home, Map.of(), "call", "-p", String.valueOf(closed), "node1", "sshrpc:ping()");
    assertEquals(new Result(2, "", "sshrpc: connect to host 127.0.0.1 port " + closed + ": Connection refused\n"), r);
    r = process(home, Map.of(), "stats", "-o", "Port=" + closed, "node1");
    assertEquals(new Result(2, "", "sshrpc: connect to host 127.0.0.1 port " + closed + ": Connection refused\n"), r);

    // -F none: no configuration, so the alias is just a name that does not resolve.
    r = process(home, Map.of(), "call", "-F", "none", "node1.invalid", "sshrpc:ping()");
    assertUnresolved("node1.invalid", r);

    // -F FILE: another file; and a config key wins over nothing but loses to the address's own port.
    Path other = Files.writeString(dir.resolve("other_config"), "Host n2\n  HostName 127.0.0.1\n  Port 1\n  IdentityFile " + workKey + "\n");
    r = process(home, Map.of(), "call", "-F", other.toString(), "n2:" + port, "sshrpc:ping()");
    assertEquals(new Result(0, "pong\n", ""), r);
  }

  // ------------------------------------------------------------------ ssh-agent

  @Test
  void realSshAgentHoldingTheOnlyKey() throws Exception {
    String agentBin = Tools.requireTool("ssh-agent");
    String add = Tools.requireTool("ssh-add");
    Path sock = dir.resolve("agent.sock");
    Process agent = new ProcessBuilder(agentBin, "-D", "-a", sock.toString()).redirectErrorStream(true).start();
    started.add(agent);
    for (int i = 0; i < 500 && !Files.exists(sock); i++) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(sock), "ssh-agent did not create " + sock);
    Map<String, String> env = Map.of("SSH_AUTH_SOCK", sock.toString());
    String[] added = tool(env, add, key.toString());
    assertEquals("0", added[0], added[1]);
    String fp = fingerprint(key);
    // The agent now holds the only copy: no key file anywhere the client could read.
    Files.delete(key);
    Files.delete(dir.resolve("id_ed25519.pub"));
    Path home = home();
    Files.copy(knownHosts, home.resolve(".ssh/known_hosts"));

    Result r = process(home, env, "call", "127.0.0.1:" + port, "lists:seq(1,3)");
    assertEquals(new Result(0, "[1,2,3]\n", ""), r);

    // IdentitiesOnly: an agent key that no identity file names is not offered.
    Path other = OpenSshd.generateKey(home.resolve(".ssh/other"), "ed25519");
    r = process(home, env, "call", "-o", "IdentitiesOnly=yes", "-i", other.toString(), "127.0.0.1:" + port, "lists:seq(1,3)");
    assertEquals(
        new Result(2, "", "sshrpc: " + USER + "@127.0.0.1: Permission denied (publickey); tried: " + other + " " + fingerprint(other) + "\n"),
        r);
    // Without it, the agent's key is offered first, then the file's.
    r = process(home, env, "call", "-i", other.toString(), "127.0.0.1:" + port, "lists:seq(1,3)");
    assertEquals(new Result(0, "[1,2,3]\n", ""), r);
    // IdentityAgent none: the agent is not asked.
    r = process(home, env, "call", "-o", "IdentityAgent=none", "-i", other.toString(), "127.0.0.1:" + port, "lists:seq(1,3)");
    assertEquals(2, r.code(), r.err());
    assertFalse(r.err().contains(fp), r.err());
  }

  // ------------------------------------------------------------------ certificates

  /** Signs {@code user.pub} with {@code ca} for principal USER; returns the -cert.pub path. */
  private static Path sign(Path ca, Path userKey, String principal) throws Exception {
    String[] r =
        tool(Map.of(), Tools.requireTool("ssh-keygen"), "-q", "-s", ca.toString(), "-I", "sshclient-it", "-n", principal,
            "-V", "-5m:+1h", userKey + ".pub");
    assertEquals("0", r[0], r[1]);
    return userKey.resolveSibling(userKey.getFileName() + "-cert.pub");
  }

  @Test
  void userCertificateAcceptedByOurServerAndByOpenSshd() throws Exception {
    Path ca = OpenSshd.generateKey(dir.resolve("ca"), "ed25519");
    Path userKey = OpenSshd.generateKey(dir.resolve("certified"), "ed25519");
    Path cert = sign(ca, userKey, USER);
    server.close();
    server = server(null, dir.resolve("ca.pub"), "127.0.0.1"); // no authorized key: only the CA
    port = server.port();
    Path kh = Files.writeString(dir.resolve("kh_cert"), "[127.0.0.1]:" + port + " " + server.hostKeys().publicKeyLine() + "\n");
    String node = "127.0.0.1:" + port;

    Result r = sshrpc("call", "-i", userKey.toString(), "--known-hosts", kh.toString(), node, "sshrpc:ping()");
    assertEquals(new Result(0, "pong\n", ""), r);

    // CertificateFile names a certificate kept elsewhere.
    Path elsewhere = Files.move(cert, dir.resolve("elsewhere.pub"));
    r = sshrpc("call", "-i", userKey.toString(), "--known-hosts", kh.toString(), "-o", "CertificateFile=" + elsewhere, node, "sshrpc:ping()");
    assertEquals(new Result(0, "pong\n", ""), r);

    // Without the certificate the bare key is refused: the certificate is what logged in.
    r = sshrpc("call", "-i", userKey.toString(), "--known-hosts", kh.toString(), node, "sshrpc:ping()");
    assertEquals(
        new Result(2, "", "sshrpc: " + USER + "@127.0.0.1: Permission denied (publickey); tried: " + userKey + " " + fingerprint(userKey) + "\n"),
        r);
    Files.move(elsewhere, cert);

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try (OpenSshd sshd =
        OpenSshd.builder()
            .subsystem("sshrpc@k2r.org", java + " -XX:TieredStopAtLevel=1 -jar " + jar() + " stdio")
            .trustedUserCaKey(Files.readString(dir.resolve("ca.pub")))
            .start()) {
      Path skh = sshd.writeKnownHosts(dir.resolve("kh_sshd"));
      r = sshrpc("call", "-i", userKey.toString(), "--known-hosts", skh.toString(), "--connect-timeout", "60",
          USER + "@127.0.0.1:" + sshd.port(), "sshrpc:ping()");
      assertEquals(new Result(0, "pong\n", ""), r, sshd.log());
      assertTrue(sshd.log().contains("Accepted publickey for " + USER) && sshd.log().contains("ED25519-CERT"), sshd.log());
    }
  }

  // ------------------------------------------------------------------ failures

  @Test
  void eachFailureIsOneOpenSshStyleLine() throws Exception {
    String node = "127.0.0.1:" + port;
    int closed = closedPort();
    Result r = sshrpc("call", "-i", key.toString(), "--known-hosts", knownHosts.toString(), "127.0.0.1:" + closed, "sshrpc:ping()");
    assertEquals(new Result(2, "", "sshrpc: connect to host 127.0.0.1 port " + closed + ": Connection refused\n"), r);

    r = sshrpc("cast", "-i", key.toString(), "nosuch.invalid", "sshrpc:ping()");
    assertUnresolved("nosuch.invalid", r);

    // A server that accepts and never speaks: the stage is named, within the limit given.
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Socket> held = CompletableFuture.supplyAsync(() -> {
        try {
          return silent.accept();
        } catch (IOException e) {
          return null;
        }
      });
      r = sshrpc("call", "-i", key.toString(), "--known-hosts", knownHosts.toString(), "--connect-timeout", "1.5",
          "127.0.0.1:" + silent.getLocalPort(), "sshrpc:ping()");
      assertEquals(
          new Result(2, "", "sshrpc: Connection to host 127.0.0.1 port " + silent.getLocalPort() + " timed out during banner exchange\n"),
          r);
      // ConnectTimeout from the configuration does the same.
      r = sshrpc("call", "-i", key.toString(), "--known-hosts", knownHosts.toString(), "-o", "ConnectTimeout=1",
          "127.0.0.1:" + silent.getLocalPort(), "sshrpc:ping()");
      assertEquals(2, r.code());
      assertTrue(r.err().endsWith("timed out during banner exchange\n"), r.err());
      Socket s = held.getNow(null);
      if (s != null) {
        s.close();
      }
    }

    Path stranger = OpenSshd.generateKey(dir.resolve("stranger"), "ed25519");
    r = sshrpc("multicall", "-i", stranger.toString(), "--known-hosts", knownHosts.toString(), node, "sshrpc:ping()");
    assertEquals(2, r.code());
    assertTrue(r.out().startsWith(node + "\t{badnode,<<\""), r.out());
    assertTrue(r.out().contains(USER + "@127.0.0.1: Permission denied (publickey); tried: " + stranger + " "
        + fingerprint(stranger) + "\">>}\n"), r.out());

    // Host key changed: the file and line of the old key, and the command that removes it.
    Path changed = dir.resolve("changed_known_hosts");
    Files.writeString(changed, "# first line\n[127.0.0.1]:" + port + " " + HostKeys.loadOrGenerate(dir.resolve("old_host")).publicKeyLine() + "\n");
    r = sshrpc("call", "-i", key.toString(), "--known-hosts", changed.toString(), node, "sshrpc:ping()");
    assertEquals(
        new Result(2, "",
            "sshrpc: host key for [127.0.0.1]:" + port + " has CHANGED: server offers ssh-ed25519 " + server.hostKeyFingerprint()
                + " but " + changed + ":2 lists ssh-ed25519 " + HostKeys.loadOrGenerate(dir.resolve("old_host")).fingerprint()
                + " (possible man-in-the-middle; refusing); if the change is expected, remove the old key with: ssh-keygen -f '"
                + changed + "' -R '[127.0.0.1]:" + port + "'\n"),
        r);
    // The command it names does remove it.
    String[] removed = tool(Map.of(), Tools.requireTool("ssh-keygen"), "-f", changed.toString(), "-R", "[127.0.0.1]:" + port);
    assertEquals("0", removed[0], removed[1]);
    r = sshrpc("call", "-i", key.toString(), "--known-hosts", changed.toString(), "--accept-new-host", node, "sshrpc:ping()");
    assertEquals(new Result(0, "pong\n", ""), r);

    // Bad -o and -p: usage errors, one line and a hint.
    r = sshrpc("call", "-o", "Port", node, "sshrpc:ping()");
    assertEquals(new Result(64, "", "-o Port: bad ssh option 'Port' (expected: Key=Value)\nTry 'sshrpc call --help' for more information.\n"), r);
  }

  @Test
  void noLibraryLogLinesOnStderrOfARealProcessUnlessVerbose() throws Exception {
    Path home = home();
    Path wrong = Files.writeString(home.resolve(".ssh/known_hosts"),
        "[127.0.0.1]:" + port + " " + HostKeys.loadOrGenerate(dir.resolve("old_host")).publicKeyLine() + "\n");
    Result r = process(home, Map.of(), "call", "-i", key.toString(), "127.0.0.1:" + port, "sshrpc:ping()");
    assertEquals(2, r.code());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("sshrpc: host key for [127.0.0.1]:" + port + " has CHANGED"), r.err());
    assertTrue(r.err().contains(wrong + ":1 lists"), r.err());

    r = process(home, Map.of(), "call", "-v", "-i", key.toString(), "127.0.0.1:" + port, "sshrpc:ping()");
    assertEquals(2, r.code());
    assertTrue(r.err().lines().count() > 1, "-v shows the library's log: " + r.err());
  }

  // ------------------------------------------------------------------ known_hosts

  @Test
  void knownHostsWrittenAsOpenSshWritesItAndReadByOpenSsh() throws Exception {
    String keygen = Tools.requireTool("ssh-keygen");
    String ssh = Tools.requireTool("ssh");
    Path missingDir = dir.resolve("fresh/.ssh");
    Path kh = missingDir.resolve("known_hosts");
    String node = "127.0.0.1:" + port;
    Result r = sshrpc("call", "-i", key.toString(), "--known-hosts", kh.toString(), "--accept-new-host", node, "sshrpc:ping()");
    assertEquals(new Result(0, "pong\n", ""), r);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(missingDir)));
    String hostKey = server.hostKeys().publicKeyLine().split(" ")[0] + " " + server.hostKeys().publicKeyLine().split(" ")[1];
    String line = "[127.0.0.1]:" + port + " " + hostKey + "\n";
    assertEquals(line, Files.readString(kh));

    // Known now: strict checking passes and nothing more is written.
    r = sshrpc("call", "-i", key.toString(), "--known-hosts", kh.toString(), node, "sshrpc:ping()");
    assertEquals(new Result(0, "pong\n", ""), r);
    assertEquals(line, Files.readString(kh));

    // A second host: appended on the next line, no blank line; a file without a final newline gets one first.
    Files.writeString(kh, line.strip());
    try (RpcServer second = server(Files.readString(dir.resolve("id_ed25519.pub")), null, "127.0.0.1")) {
      r = sshrpc("call", "-i", key.toString(), "--known-hosts", kh.toString(), "--accept-new-host", "localhost:" + second.port(), "sshrpc:ping()");
      assertEquals(new Result(0, "pong\n", ""), r);
      assertEquals(line + "[localhost]:" + second.port() + " " + hostKey + "\n", Files.readString(kh));
    }

    // OpenSSH's ssh-keygen finds it.
    String[] found = tool(Map.of(), keygen, "-F", "[127.0.0.1]:" + port, "-f", kh.toString());
    assertEquals("0", found[0], found[1]);
    assertTrue(found[1].contains(hostKey), found[1]);

    // OpenSSH's ssh trusts it strictly (and, as a control, refuses with an empty file).
    List<String> sshCmd = new ArrayList<>(List.of(ssh, "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        "-o", "IdentityAgent=none", "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "ConnectTimeout=30", "-i", key.toString(), "-p", String.valueOf(port)));
    List<String> trusted = new ArrayList<>(sshCmd);
    trusted.addAll(List.of("-o", "UserKnownHostsFile=" + kh, USER + "@127.0.0.1", "-s", "sshrpc"));
    String[] out = tool(Map.of(), trusted.toArray(new String[0]));
    assertFalse(out[1].contains("Host key verification failed"), out[1]);
    assertFalse(out[1].contains("IDENTIFICATION HAS CHANGED"), out[1]);
    List<String> untrusted = new ArrayList<>(sshCmd);
    untrusted.addAll(List.of("-o", "UserKnownHostsFile=" + Files.writeString(dir.resolve("empty_kh"), ""), USER + "@127.0.0.1", "-s", "sshrpc"));
    out = tool(Map.of(), untrusted.toArray(new String[0]));
    assertTrue(out[1].contains("Host key verification failed"), out[1]);

    // HashKnownHosts yes: |1|salt|hash, which ssh-keygen -F still finds.
    Path hashed = dir.resolve("hashed_known_hosts");
    r = sshrpc("call", "-i", key.toString(), "--known-hosts", hashed.toString(), "--accept-new-host", "-o", "HashKnownHosts=yes", node, "sshrpc:ping()");
    assertEquals(new Result(0, "pong\n", ""), r);
    String h = Files.readString(hashed);
    assertTrue(h.matches("\\|1\\|[A-Za-z0-9+/]{27}=\\|[A-Za-z0-9+/]{27}= " + java.util.regex.Pattern.quote(hostKey) + "\n"), h);
    found = tool(Map.of(), keygen, "-F", "[127.0.0.1]:" + port, "-f", hashed.toString());
    assertEquals("0", found[0], found[1]);

    // A directory that cannot be created is a clear error, not a silent success.
    Path blocker = Files.writeString(dir.resolve("blocker"), "a file, not a directory");
    Path impossible = blocker.resolve("known_hosts");
    r = sshrpc("call", "-i", key.toString(), "--known-hosts", impossible.toString(), "--accept-new-host", node, "sshrpc:ping()");
    assertEquals(2, r.code());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("sshrpc: cannot record the host key for [127.0.0.1]:" + port + " (ssh-ed25519 "
        + server.hostKeyFingerprint() + ") in " + impossible + ": cannot create directory " + blocker), r.err());
  }

  @Test
  void ipv6EntriesAreWrittenShort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      // IPv6 loopback available
    } catch (IOException e) {
      Assumptions.assumeTrue(false, "no IPv6 loopback");
    }
    try (RpcServer v6 = server(Files.readString(dir.resolve("id_ed25519.pub")), null, "::1")) {
      Path kh = dir.resolve("kh6");
      Result r = sshrpc("call", "-i", key.toString(), "--known-hosts", kh.toString(), "--accept-new-host", "[::1]:" + v6.port(), "sshrpc:ping()");
      assertEquals(new Result(0, "pong\n", ""), r);
      String[] parts = v6.hostKeys().publicKeyLine().split(" ");
      assertEquals("[::1]:" + v6.port() + " " + parts[0] + " " + parts[1] + "\n", Files.readString(kh));
    }
  }
}
