package org.sshrpc.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.sshrpc.testing.Tools;

/** Runs an external tool (ssh, ssh-keygen) with a bounded wait, capturing its output. */
final class Proc {
  final int exit;
  final String out;
  final String err;

  private Proc(int exit, String out, String err) {
    this.exit = exit;
    this.out = out;
    this.err = err;
  }

  static Proc run(String stdin, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread t1 = pump(p.getInputStream(), out);
    Thread t2 = pump(p.getErrorStream(), err);
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // the tool may exit before reading its input (e.g. auth refused)
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("timed out: " + String.join(" ", cmd) + "\nstderr: " + err);
    }
    t1.join(10_000);
    t2.join(10_000);
    return new Proc(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Thread pump(InputStream in, ByteArrayOutputStream to) {
    Thread t =
        new Thread(
            () -> {
              try {
                in.transferTo(to);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Generates an OpenSSH key pair with ssh-keygen; returns the private key path. */
  static Path keygen(Path file, String type, int bits) throws Exception {
    Proc r = run(null, Tools.requireTool("ssh-keygen"), "-q", "-t", type, "-b", Integer.toString(bits),
        "-N", "", "-C", file.getFileName().toString(), "-f", file.toString());
    if (r.exit != 0) {
      throw new AssertionError("ssh-keygen failed: " + r.err);
    }
    return file;
  }

  /** The OpenSSH client talking to the test subsystem; extra options go before the host. */
  static Proc ssh(TestSshServer server, Path dir, String user, Path key, String stdin, String... extra)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Tools.requireTool("ssh"), "-F", "/dev/null",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
        "-o", "UserKnownHostsFile=" + server.knownHosts(dir), "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=30", "-o", "PasswordAuthentication=no",
        "-o", "KbdInteractiveAuthentication=no", "-i", key.toString(), "-p", Integer.toString(server.port),
        "-l", user));
    cmd.addAll(List.of(extra));
    cmd.addAll(List.of("-s", "127.0.0.1", TestSshServer.SUBSYSTEM));
    return run(stdin, cmd.toArray(new String[0]));
  }
}
