package org.sshrpc.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH {@code sshd} started for one test, with its own generated config, host key and
 * authorized_keys in a temporary directory, listening on a free loopback port.
 *
 * <p>It never reads or changes the system's sshd config: everything it needs is passed with {@code
 * -f} and lives under {@link #dir()}. It runs in the foreground ({@code -D -e}) as the current user
 * and is stopped by its own pid in {@link #close()}. When the current user is root (as in CI), the
 * config permits root key login and disables StrictModes and PAM so that the temp-dir files are
 * usable.
 *
 * <pre>{@code
 * try (OpenSshd sshd = OpenSshd.builder()
 *     .subsystem("sshrpc@k2r.org", "/usr/bin/java -jar sshrpc.jar stdio")
 *     .authorizedKey(Files.readString(userKeyPub))
 *     .start()) {
 *   sshd.writeKnownHosts(knownHosts);
 *   ... connect to 127.0.0.1:sshd.port() ...
 * }
 * }</pre>
 */
public final class OpenSshd implements AutoCloseable {
  private static final int START_ATTEMPTS = 5;
  private static final long START_TIMEOUT_MS = 10_000;

  private final Path dir;
  private final Path hostKey;
  private final Path log;
  private final int port;
  private final Process process;
  private final boolean ownsDir;

  private OpenSshd(Path dir, boolean ownsDir, Path hostKey, Path log, int port, Process process) {
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.hostKey = hostKey;
    this.log = log;
    this.port = port;
    this.process = process;
  }

  /** Returns a builder for an sshd with no subsystems and no authorized keys. */
  public static Builder builder() {
    return new Builder();
  }

  /** The loopback port sshd listens on. */
  public int port() {
    return port;
  }

  /** The loopback host, {@code 127.0.0.1}. */
  public String host() {
    return "127.0.0.1";
  }

  /** The temporary directory holding the config, keys and log. */
  public Path dir() {
    return dir;
  }

  /** The sshd log (its stderr, {@code -e}). */
  public Path logFile() {
    return log;
  }

  /** The sshd process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the sshd process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** The contents of the sshd log so far (for assertion messages). */
  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** The host's public key line, {@code "ssh-ed25519 AAAA... comment"}. */
  public String hostPublicKey() {
    try {
      return Files.readString(hostKey.resolveSibling(hostKey.getFileName() + ".pub")).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A known_hosts line for this server: {@code [127.0.0.1]:PORT ssh-ed25519 AAAA...}. */
  public String knownHostsLine() {
    String[] parts = hostPublicKey().split("\\s+");
    return "[" + host() + "]:" + port + " " + parts[0] + " " + parts[1];
  }

  /** Writes {@link #knownHostsLine()} to {@code file} (replacing it) and returns the file. */
  public Path writeKnownHosts(Path file) throws IOException {
    Files.writeString(file, knownHostsLine() + "\n", StandardCharsets.UTF_8);
    return file;
  }

  /**
   * An OpenSSH {@code ssh} command line for this server that reads no user or system config: key
   * {@code identity} only, host key checked strictly against {@code knownHosts}, no prompts; {@code
   * options} go before the destination, {@code remote} (a command, or a subsystem name after a
   * {@code -s} option) after it.
   */
  public List<String> sshCommand(
      Path identity, Path knownHosts, List<String> options, String... remote) {
    List<String> c = new ArrayList<>();
    c.add(Tools.requireTool("ssh"));
    c.addAll(
        List.of(
            "-F", "/dev/null",
            "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes",
            "-o", "IdentityAgent=none",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "UserKnownHostsFile=" + knownHosts,
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=10",
            "-i", identity.toString(),
            "-p", Integer.toString(port)));
    c.addAll(options);
    c.add(System.getProperty("user.name") + "@" + host());
    c.addAll(List.of(remote));
    return c;
  }

  /** {@link #sshCommand} for {@code ssh -s HOST SUBSYSTEM}. */
  public List<String> sshSubsystem(Path identity, Path knownHosts, String subsystem) {
    return sshCommand(identity, knownHosts, List.of("-s"), subsystem);
  }

  /**
   * Stops sshd by its pid (TERM, then KILL after a bounded wait) and deletes the temporary
   * directory if this fixture created it. Idempotent.
   */
  @Override
  public void close() {
    stop(process);
    if (ownsDir) {
      try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException ignored) {
        // best effort: a leftover temp dir is harmless
      }
    }
  }

  private static void stop(Process p) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Generates an unencrypted key pair with {@code ssh-keygen} at {@code privateKey} (and {@code
   * privateKey + ".pub"}); {@code type} is e.g. {@code "ed25519"} or {@code "rsa"}.
   */
  public static Path generateKey(Path privateKey, String type) throws IOException {
    String keygen = Tools.requireTool("ssh-keygen");
    run(List.of(keygen, "-q", "-t", type, "-N", "", "-C", "sshrpc-test", "-f", privateKey.toString()));
    return privateKey;
  }

  /** Runs a short command to completion, failing with its output if it exits non-zero. */
  static void run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + cmd);
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            cmd + " exited " + p.exitValue() + ": " + new String(out, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + cmd, e);
    }
  }

  /** Builder for {@link OpenSshd}; every setting is optional. */
  public static final class Builder {
    private final Map<String, String> subsystems = new LinkedHashMap<>();
    private final List<String> authorizedKeys = new ArrayList<>();
    private final List<String> extraConfig = new ArrayList<>();
    private final List<String> trustedCaKeys = new ArrayList<>();
    private boolean exposeAuthInfo = true;
    private String logLevel = "VERBOSE";
    private Path dir;

    private Builder() {}

    /** Adds {@code Subsystem NAME COMMAND}; the command is used verbatim by sshd. */
    public Builder subsystem(String name, String command) {
      if (name.isBlank() || name.contains(" ") || command.isBlank() || command.contains("\n")) {
        throw new IllegalArgumentException("bad subsystem: " + name + " " + command);
      }
      subsystems.put(name, command);
      return this;
    }

    /** Adds one authorized_keys line (options allowed, as in OpenSSH's format). */
    public Builder authorizedKey(String line) {
      String l = line.trim();
      if (l.contains("\n")) {
        throw new IllegalArgumentException("one line expected");
      }
      authorizedKeys.add(l);
      return this;
    }

    /** Adds a CA public key line to {@code TrustedUserCAKeys} (for user certificates). */
    public Builder trustedUserCaKey(String line) {
      trustedCaKeys.add(line.trim());
      return this;
    }

    /** Whether to set {@code ExposeAuthInfo yes} (default true). */
    public Builder exposeAuthInfo(boolean on) {
      this.exposeAuthInfo = on;
      return this;
    }

    /** sshd's {@code LogLevel} (default {@code VERBOSE}). */
    public Builder logLevel(String level) {
      this.logLevel = level;
      return this;
    }

    /** Appends a raw sshd_config line (placed before any {@code Match} the caller adds). */
    public Builder config(String line) {
      if (line.contains("\n")) {
        throw new IllegalArgumentException("one line expected");
      }
      extraConfig.add(line);
      return this;
    }

    /** Uses {@code dir} for config and keys instead of a fresh temporary directory. */
    public Builder dir(Path dir) {
      this.dir = dir;
      return this;
    }

    /** Writes the config, generates a host key and starts sshd; returns once it listens. */
    public OpenSshd start() throws IOException {
      String sshd = Tools.requireTool("sshd");
      Tools.requireTool("ssh-keygen");
      Path d = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("sshrpc-sshd");
      Path hostKey = d.resolve("ssh_host_ed25519_key");
      if (!Files.exists(hostKey)) {
        generateKey(hostKey, "ed25519");
      }
      Path authorized = d.resolve("authorized_keys");
      Files.write(authorized, authorizedKeys, StandardCharsets.UTF_8);
      Path cas = d.resolve("trusted_user_ca_keys");
      Files.write(cas, trustedCaKeys, StandardCharsets.UTF_8);
      ensurePrivsepDir();

      IOException last = null;
      for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        int port = freePort();
        Path config = d.resolve("sshd_config");
        Files.write(config, config(d, hostKey, authorized, cas, port), StandardCharsets.UTF_8);
        Path log = d.resolve("sshd.log");
        Files.deleteIfExists(log);
        // -t first: a config error is reported as such rather than as a failed start.
        run(List.of(sshd, "-t", "-f", config.toString()));
        Process p =
            new ProcessBuilder(sshd, "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        p.getOutputStream().close();
        try {
          if (awaitListening(p, log, port)) {
            return new OpenSshd(d, dir == null, hostKey, log, port, p);
          }
        } catch (InterruptedException e) {
          stop(p);
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while starting sshd", e);
        }
        stop(p);
        // Most likely someone else took the port between freePort() and bind: try another.
        last = new IOException("sshd did not start on port " + port + ": " + Files.readString(log));
      }
      throw last;
    }

    private List<String> config(Path d, Path hostKey, Path authorized, Path cas, int port) {
      List<String> c = new ArrayList<>();
      c.add("# generated by org.sshrpc.testing.OpenSshd; the system config is not read");
      c.add("ListenAddress 127.0.0.1:" + port);
      c.add("HostKey " + hostKey);
      c.add("PidFile none");
      c.add("UsePAM no");
      c.add("StrictModes no");
      c.add("PermitRootLogin prohibit-password");
      c.add("PasswordAuthentication no");
      c.add("KbdInteractiveAuthentication no");
      c.add("PubkeyAuthentication yes");
      c.add("AuthorizedKeysFile " + authorized);
      if (!trustedCaKeys.isEmpty()) {
        c.add("TrustedUserCAKeys " + cas);
      }
      c.add("ExposeAuthInfo " + (exposeAuthInfo ? "yes" : "no"));
      c.add("AllowTcpForwarding no");
      c.add("X11Forwarding no");
      c.add("PermitTTY no");
      c.add("LogLevel " + logLevel);
      c.add("AcceptEnv LANG LC_*");
      c.add("MaxStartups 50:30:100");
      c.add("MaxSessions 50");
      for (Map.Entry<String, String> s : subsystems.entrySet()) {
        c.add("Subsystem " + s.getKey() + " " + s.getValue());
      }
      c.addAll(extraConfig);
      return c;
    }

    /** Waits for sshd's own "Server listening on" line: a connect probe could hit another owner. */
    private static boolean awaitListening(Process p, Path log, int port)
        throws InterruptedException, IOException {
      String ready = "Server listening on 127.0.0.1 port " + port + ".";
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
      while (System.nanoTime() < deadline) {
        if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(ready)) {
          return p.isAlive();
        }
        if (!p.isAlive()) {
          return false;
        }
        Thread.sleep(20);
      }
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * sshd refuses to start as root without its privilege-separation directory, which the Debian
   * package leaves to systemd's RuntimeDirectory. Creating the empty directory is all the
   * system's own service would do; nothing else outside our temp dir is touched.
   */
  private static void ensurePrivsepDir() throws IOException {
    Path privsep = Path.of("/run/sshd");
    if ("root".equals(System.getProperty("user.name")) && !Files.isDirectory(privsep)) {
      Files.createDirectories(
          privsep, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }
  }
}
