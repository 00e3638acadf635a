package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.testing.Tools;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.FrameDecoder;
import org.sshrpc.wire.FrameEncoder;
import org.sshrpc.wire.ServerMessage;

/** The real OpenSSH client runs the subsystem: framed requests on stdin, framed replies on stdout. */
@Timeout(60)
class OpenSshClientIT {
  @TempDir Path dir;

  private List<String> ssh(String ssh, ServerFixture fx, Path key, Path knownHosts, String... tail) {
    List<String> cmd = new ArrayList<>(List.of(
        ssh, "-F", "/dev/null",
        "-o", "UserKnownHostsFile=" + knownHosts,
        "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", "PasswordAuthentication=no",
        "-i", key.toString(),
        "-p", Integer.toString(fx.port()),
        "-l", "ossh"));
    cmd.addAll(List.of(tail));
    return cmd;
  }

  @Test
  void subsystemOverOpenSsh() throws Exception {
    String ssh = Tools.requireTool("ssh");
    String keygen = Tools.requireTool("ssh-keygen");
    Path key = dir.resolve("id_ed25519");
    ErlangClientIT.run(List.of(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "ossh", "-f", key.toString()));
    String pub = Files.readString(dir.resolve("id_ed25519.pub"), StandardCharsets.UTF_8).trim();
    try (ServerFixture fx = new ServerFixture(dir, b -> {})) {
      fx.authorize("sshrpc-user=\"ossh\" " + pub);
      Path known = dir.resolve("known_hosts");
      Files.writeString(known, "[127.0.0.1]:" + fx.port() + " " + fx.server.hostKeys().publicKeyLine() + "\n");

      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes(FrameEncoder.frame(ClientMessage.Mfa.of("lists", "seq", list(integer(1), integer(5))).toTerm()));
      req.writeBytes(FrameEncoder.frame(ClientMessage.Mfa.of("sshrpc", "ping", list()).toTerm()));
      Path stdin = dir.resolve("request.bin");
      Files.write(stdin, req.toByteArray());

      // SetEnv makes ssh send an env request before the subsystem request: it must be tolerated.
      Process p = new ProcessBuilder(ssh(ssh, fx, key, known, "-o", "SetEnv=SSHRPC_TEST=1", "-s", "127.0.0.1", RpcSubsystemFactory.NAME))
          .redirectInput(stdin.toFile())
          .redirectError(dir.resolve("ssh.err").toFile())
          .start();
      byte[] out = p.getInputStream().readAllBytes();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "ssh did not exit after EOF");
      List<Term> replies = new ArrayList<>();
      new FrameDecoder(1 << 20).feed(out, 0, out.length, f -> {
        try {
          replies.add(TermDecoder.DEFAULT.decode(f));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      assertEquals(
          List.of(
              ServerMessage.Answer.ok(list(integer(1), integer(2), integer(3), integer(4), integer(5))).toTerm(),
              ServerMessage.Answer.ok(atom("pong")).toTerm()),
          replies,
          Files.readString(dir.resolve("ssh.err")));

      // exec is refused: ssh reports failure and nothing runs
      Process exec = new ProcessBuilder(ssh(ssh, fx, key, known, "127.0.0.1", "id"))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectErrorStream(true)
          .start();
      String execOut = new String(exec.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(exec.waitFor(30, TimeUnit.SECONDS));
      assertNotEquals(0, exec.exitValue(), execOut);
      assertTrue(!execOut.contains("uid="), execOut);
    }
  }
}
