package org.sshrpc.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@link OpenSshd} fixture against the real OpenSSH client: subsystems, env, auth info. */
@Timeout(60)
class OpenSshdIT {
  @TempDir Path tmp;

  @Test
  void hostsSubsystemAndExposesUserAndKey() throws Exception {
    Path key = OpenSshd.generateKey(tmp.resolve("id_ed25519"), "ed25519");
    String pub = Files.readString(tmp.resolve("id_ed25519.pub")).trim();
    Path script = tmp.resolve("envdump.sh");
    Files.writeString(
        script, "#!/bin/sh\necho \"USER=$USER\"\ncat \"$SSH_USER_AUTH\"\ncat\n");
    script.toFile().setExecutable(true);

    try (OpenSshd sshd =
        OpenSshd.builder()
            .subsystem("echo-test", "/bin/cat")
            .subsystem("envdump", script.toString())
            .authorizedKey(pub)
            .start()) {
      assertTrue(sshd.isAlive());
      Path known = sshd.writeKnownHosts(tmp.resolve("known_hosts"));

      assertEquals("hello\n", run(sshd.sshSubsystem(key, known, "echo-test"), "hello\n"));

      String env = run(sshd.sshSubsystem(key, known, "envdump"), "tail\n");
      assertTrue(env.startsWith("USER=" + System.getProperty("user.name") + "\n"), env);
      // ExposeAuthInfo: the key that authenticated, in authorized_keys form.
      String[] k = pub.split(" ");
      assertTrue(env.contains("publickey " + k[0] + " " + k[1]), env);
      assertTrue(env.endsWith("tail\n"), env);
    }
  }

  @Test
  void rejectsUnknownHostKeyAndUnknownUserKey() throws Exception {
    Path key = OpenSshd.generateKey(tmp.resolve("id_a"), "ed25519");
    Path other = OpenSshd.generateKey(tmp.resolve("id_b"), "ed25519");
    try (OpenSshd sshd =
        OpenSshd.builder()
            .subsystem("echo-test", "/bin/cat")
            .authorizedKey(Files.readString(tmp.resolve("id_a.pub")))
            .start()) {
      Path known = sshd.writeKnownHosts(tmp.resolve("known_hosts"));
      assertNotEquals(0, exit(sshd.sshSubsystem(other, known, "echo-test")));
      Path empty = Files.writeString(tmp.resolve("empty_known_hosts"), "");
      assertNotEquals(0, exit(sshd.sshSubsystem(key, empty, "echo-test")));
      assertEquals(0, exit(sshd.sshSubsystem(key, known, "echo-test")));
    }
  }

  @Test
  void closeStopsTheProcessAndEachInstanceHasItsOwnPort() throws Exception {
    OpenSshd a = OpenSshd.builder().start();
    OpenSshd b = OpenSshd.builder().start();
    try {
      assertNotEquals(a.port(), b.port());
      assertNotEquals(a.dir(), b.dir());
      assertTrue(a.log().contains("Server listening on 127.0.0.1 port " + a.port()), a.log());
    } finally {
      a.close();
      b.close();
    }
    assertFalse(a.isAlive());
    assertFalse(b.isAlive());
    assertFalse(ProcessHandle.of(a.pid()).map(ProcessHandle::isAlive).orElse(false));
  }

  private static String run(List<String> cmd, String input) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), out);
      return out;
    } finally {
      p.destroyForcibly();
    }
  }

  private static int exit(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      p.getOutputStream().close();
      p.getInputStream().readAllBytes();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      return p.exitValue();
    } finally {
      p.destroyForcibly();
    }
  }
}
