package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.server.RpcServer;

/**
 * The {@code sshrpc} launcher script and its class-data sharing archive: a call prints exactly its
 * reply whether the archive is missing (it is then made), present, made for another jar (stale)
 * or not an archive at all.
 */
@Timeout(600)
class LauncherIT {
  @TempDir Path dir;

  private RpcServer server;
  private Path key;
  private Path knownHosts;
  private Path launcher;
  private Path jar;
  private Path cache;

  @BeforeEach
  void setUp() throws Exception {
    key = dir.resolve("id_ed25519");
    HostKeys client = HostKeys.loadOrGenerate(key);
    Files.writeString(dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + System.getProperty("user.name") + "\" " + client.publicKeyLine() + "\n");
    server = RpcServer.builder()
        .listen("127.0.0.1", 0)
        .hostKey(dir.resolve("host_ed25519"))
        .authorizedKeys(dir.resolve("authorized_keys"))
        .build()
        .start();
    knownHosts = Files.writeString(dir.resolve("known_hosts"),
        "[127.0.0.1]:" + server.port() + " " + server.hostKeys().publicKeyLine() + "\n");
    // a checkout of its own (launcher + jar), so the jar's time can change without touching the build's
    Path basedir = Path.of(System.getProperty("basedir", "."));
    Path built = basedir.resolve("target/sshrpc.jar");
    assertTrue(Files.isRegularFile(built), built + " is missing: run through mvn verify (package builds it)");
    Path root = Files.createDirectories(dir.resolve("checkout"));
    launcher = Files.copy(basedir.resolve("../sshrpc"), root.resolve("sshrpc"));
    assertTrue(launcher.toFile().setExecutable(true));
    jar = Files.copy(built, Files.createDirectories(root.resolve("sshrpc-cli/target")).resolve("sshrpc.jar"));
    cache = dir.resolve("cache").resolve("sshrpc");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Runs the launcher's {@code call}; returns {exit code, stdout, stderr}. */
  private String[] call(Map<String, String> env) throws IOException, InterruptedException {
    return run(env, "call", "-i", key.toString(), "--known-hosts", knownHosts.toString(),
        "127.0.0.1:" + server.port(), "lists:seq(1,5)");
  }

  /** Runs the launcher; returns {exit code, stdout, stderr}. */
  private String[] run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectOutput(dir.resolve("out").toFile())
        .redirectError(dir.resolve("err").toFile());
    pb.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
    pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    pb.environment().remove("SSHRPC_JAVA_OPTS");
    pb.environment().remove("SSHRPC_CDS");
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("launcher did not finish within 180 s");
    }
    return new String[] {
      String.valueOf(p.exitValue()),
      Files.readString(dir.resolve("out"), StandardCharsets.UTF_8),
      Files.readString(dir.resolve("err"), StandardCharsets.UTF_8)
    };
  }

  private List<Path> cacheFiles() throws IOException {
    if (!Files.isDirectory(cache)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(cache)) {
      return s.sorted().toList();
    }
  }

  private void assertReply(String[] r) {
    assertEquals("0", r[0], r[1] + r[2]);
    assertEquals("[1,2,3,4,5]\n", r[1]);
    assertEquals("", r[2]);
  }

  @Test
  void callsWorkWithoutWithAndWithAStaleOrBrokenArchive() throws Exception {
    // commands that do not connect make no archive (it would lack the SSH client's classes)
    String[] v = run(Map.of(), "--version");
    assertEquals("0", v[0], v[2]);
    assertTrue(v[1].startsWith("sshrpc "), v[1]);
    v = run(Map.of(), "call", "--help");
    assertEquals("0", v[0], v[2]);
    assertEquals(List.of(), cacheFiles());

    // missing: the call works and leaves one archive (no temporary file), in a private directory
    assertReply(call(Map.of()));
    List<Path> files = cacheFiles();
    assertEquals(1, files.size(), files.toString());
    Path first = files.get(0);
    assertTrue(first.getFileName().toString().matches("sshrpc-[0-9-]+\\.jsa"), first.toString());
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));

    // present: -Xshare:on makes the JVM fail unless it maps the archive
    assertReply(call(Map.of("SSHRPC_JAVA_OPTS", "-Xshare:on")));

    // the jar changes (a rebuild): a new archive is made and the old one removed
    byte[] stale = Files.readAllBytes(first);
    Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
    assertReply(call(Map.of()));
    files = cacheFiles();
    assertEquals(1, files.size(), files.toString());
    Path second = files.get(0);
    assertFalse(second.equals(first), "same archive name for a changed jar");

    // stale: the archive under the current name was made for the jar as it was before
    second.toFile().setWritable(true);
    Files.write(second, stale);
    assertReply(call(Map.of()));

    // not an archive at all
    Files.write(second, "not a CDS archive".getBytes(StandardCharsets.US_ASCII));
    assertReply(call(Map.of()));

    // off
    assertReply(call(Map.of("SSHRPC_CDS", "0")));
  }
}
