package org.sshrpc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The key material of one benchmark run, made with {@code ssh-keygen} in a fresh directory so
 * that MINA, OTP and OpenSSH all read the same files: a client key (ed25519), its
 * {@code authorized_keys} and a host key.
 */
final class BenchKeys {
  final Path dir;
  final Path clientKey;
  final Path authorizedKeys;
  /** The same key bound to the user {@code bench}, the way our server wants it. */
  final Path sshrpcAuthorizedKeys;
  final Path hostKey;
  private final KeyPair clientPair;

  private BenchKeys(Path dir) throws IOException, GeneralSecurityException {
    this.dir = dir;
    this.clientKey = dir.resolve("id_ed25519");
    this.hostKey = dir.resolve("ssh_host_ed25519_key");
    keygen(clientKey);
    keygen(hostKey);
    this.authorizedKeys = dir.resolve("authorized_keys");
    Files.copy(dir.resolve("id_ed25519.pub"), authorizedKeys);
    this.sshrpcAuthorizedKeys = dir.resolve("authorized_keys.sshrpc");
    Files.writeString(sshrpcAuthorizedKeys, "sshrpc-user=\"bench\" " + Files.readString(authorizedKeys));
    this.clientPair = load(clientKey);
  }

  static BenchKeys create() throws IOException, GeneralSecurityException {
    return new BenchKeys(Files.createTempDirectory("sshrpc-bench-"));
  }

  KeyPair clientPair() {
    return clientPair;
  }

  static KeyPair load(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, FilePasswordProvider.EMPTY);
      return pairs.iterator().next();
    }
  }

  static void keygen(Path file) throws IOException {
    Process p = new ProcessBuilder(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sshrpc-bench", "-f", file.toString()))
        .redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("ssh-keygen failed for " + file + ": " + new String(p.getInputStream().readAllBytes()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Removes the directory (best effort: it only holds throw-away keys). */
  void delete() {
    delete(dir);
  }

  /** Removes a directory of throw-away files (best effort). */
  static void delete(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // temp files of a finished run; the OS cleans /tmp
    }
  }
}
