package org.sshrpc.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.sshrpc.testing.Tools;

/** Key files made by the real {@code ssh-keygen}, for tests. */
final class SshKeys {
  private SshKeys() {}

  /** Generates {@code dir/name} (mode 0600) and {@code dir/name.pub}; empty passphrase for none. */
  static Path keygen(Path dir, String name, String type, String passphrase) throws Exception {
    String tool = Tools.requireTool("ssh-keygen");
    Files.createDirectories(dir);
    Path key = dir.resolve(name);
    List<String> cmd = new ArrayList<>(List.of(tool, "-q", "-t", type, "-N", passphrase, "-C", name, "-f", key.toString()));
    if (type.equals("rsa")) {
      cmd.addAll(List.of("-b", "2048"));
    }
    run(cmd);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    return key;
  }

  static void run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new IOException(cmd + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
  }

  /** The public key line of {@code key} ({@code key.pub}), without comment. */
  static String publicLine(Path key) throws IOException {
    String[] parts = Files.readString(key.resolveSibling(key.getFileName() + ".pub")).trim().split("\\s+");
    return parts[0] + " " + parts[1];
  }

  /** Writes a known_hosts file listing {@code hostKey} for 127.0.0.1 on {@code port}. */
  static Path knownHosts(Path file, int port, Path hostKey) throws IOException {
    Files.writeString(file, "[127.0.0.1]:" + port + " " + publicLine(hostKey) + "\n");
    return file;
  }
}
