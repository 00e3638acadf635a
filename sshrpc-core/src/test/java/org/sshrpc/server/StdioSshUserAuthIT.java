package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.testing.FramedProcess;
import org.sshrpc.testing.OpenSshd;
import org.sshrpc.testing.Tools;

/**
 * Issue 10, reproduction 6 (stdio): with {@code ExposeAuthInfo no} and an {@code AcceptEnv} that
 * matches, a client sets {@code SSH_USER_AUTH} itself, naming a file it wrote that lists a key it
 * never used. Over the real OpenSSH sshd and ssh: {@code sshrpc stdio} without {@code
 * --trust-ssh-user-auth} ignores the variable, so the {@code key=} rule for that key does not match.
 */
@Timeout(180)
class StdioSshUserAuthIT {
  @TempDir Path dir;

  @Test
  void aClientSetSshUserAuthIsIgnoredWithoutTheOption() throws Exception {
    Tools.requireTool("sshd");
    Tools.requireTool("ssh");
    Path userKey = OpenSshd.generateKey(dir.resolve("id_user"), "ed25519");
    OpenSshd.generateKey(dir.resolve("id_ops"), "ed25519");
    String opsLine = Files.readString(dir.resolve("id_ops.pub")).strip();
    String opsFp = OpenSshHostedIT.fingerprint(dir.resolve("id_ops.pub"));
    Path policy =
        Files.writeString(
            dir.resolve("policy.conf"), "allow key=" + opsFp + " t:secret/0\nallow t:whoami/0 sshrpc:*\n");
    // The forged auth info: the ops key, in a file shaped like sshd's, written by the client's user.
    String[] p = opsLine.split(" ");
    Path forged = StdioIdentityTest.sshdAuthFile("publickey " + p[0] + " " + p[1] + "\n");
    Path log = dir.resolve("stdio.log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path argfile = dir.resolve("stdio.args");
    Files.writeString(
        argfile, "-cp\n\"" + System.getProperty("java.class.path").replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);
    Path script = dir.resolve("sshrpc-stdio");
    Files.writeString(
        script,
        "#!/bin/sh\nexec " + java + " -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC @" + argfile
            + " -Dorg.slf4j.simpleLogger.defaultLogLevel=info " + StdioTestMain.class.getName()
            + " --untrusted --policy " + policy + " 2>>" + log + "\n",
        StandardCharsets.UTF_8);
    assertTrue(script.toFile().setExecutable(true));
    try (OpenSshd sshd =
        OpenSshd.builder()
            .subsystem("sshrpc@k2r.org", script.toString())
            .authorizedKey(Files.readString(dir.resolve("id_user.pub")))
            .exposeAuthInfo(false)
            .config("AcceptEnv SSH_USER_AUTH")
            .start()) {
      Path kh = sshd.writeKnownHosts(dir.resolve("known_hosts"));
      List<String> cmd = new ArrayList<>(sshd.sshSubsystem(userKey, kh, "sshrpc@k2r.org"));
      cmd.addAll(1, List.of("-o", "SetEnv=SSH_USER_AUTH=" + forged));
      try (FramedProcess ssh = FramedProcess.start(cmd, Map.of(), dir.resolve("ssh.err"))) {
        ssh.send(tuple(atom("mfa"), tuple(atom("t"), atom("whoami"), list())));
        Term who = ssh.receive(Duration.ofSeconds(120));
        ErlTuple answer = (ErlTuple) ((ErlTuple) ((ErlTuple) who).get(1)).get(0);
        assertEquals(binary(System.getProperty("user.name")), answer.get(0), who + "\n" + diagnostics(sshd, log));
        assertEquals(atom("undefined"), answer.get(1), "no key: the client's SSH_USER_AUTH was ignored");

        ssh.send(tuple(atom("mfa"), tuple(atom("t"), atom("secret"), list())));
        Term denied = ssh.receive(Duration.ofSeconds(60));
        assertTrue(denied.toString().contains("sshrpc_denied"), "key=" + opsFp + " rule must not match: " + denied);
        assertEquals(integer(-1), ((ErlTuple) ((ErlTuple) denied).get(1)).get(1));
        ssh.closeInput();
      }
      assertTrue(
          Files.readString(log).contains("SSH_USER_AUTH is set but ignored (--trust-ssh-user-auth not given)"),
          diagnostics(sshd, log));
    } finally {
      Files.deleteIfExists(forged);
    }
  }

  private static String diagnostics(OpenSshd sshd, Path log) throws java.io.IOException {
    return "sshd log:\n" + sshd.log() + "\nstdio log:\n" + (Files.exists(log) ? Files.readString(log) : "");
  }
}
