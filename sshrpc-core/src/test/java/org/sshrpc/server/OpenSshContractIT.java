package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sshrpc.term.Terms.atom;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.Term;
import org.sshrpc.testing.FramedProcess;
import org.sshrpc.testing.OpenSshd;
import org.sshrpc.testing.Tools;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.ServerMessage;

/**
 * {@link RpcContract} against OpenSSH: the real {@code ssh -s} client, the real {@code sshd}, and
 * {@code sshrpc stdio} as its Subsystem, one process per channel.
 */
@Timeout(300)
class OpenSshContractIT extends RpcContract {
  @TempDir static Path dir;
  static OpenSshd sshd;
  static Path knownHosts;
  static int channels;

  @BeforeAll
  static void startSshd() throws Exception {
    Tools.requireTool("sshd");
    Tools.requireTool("ssh");
    OpenSshd.generateKey(dir.resolve("alice"), "ed25519");
    OpenSshd.generateKey(dir.resolve("bob"), "ed25519");
    String alice = OpenSshHostedIT.fingerprint(dir.resolve("alice.pub"));
    String bob = OpenSshHostedIT.fingerprint(dir.resolve("bob.pub"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path argfile = dir.resolve("stdio.args");
    Files.writeString(argfile, "-cp\n\"" + System.getProperty("java.class.path") + "\"\n", StandardCharsets.UTF_8);
    Path script = dir.resolve("sshrpc-stdio");
    Files.writeString(
        script,
        "#!/bin/sh\nexec " + java + " -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC @" + argfile + " "
            + StdioTestMain.class.getName() + " --contract --as " + alice + "=alice --as " + bob + "=bob 2>>"
            + dir.resolve("stdio.log") + "\n");
    script.toFile().setExecutable(true);
    sshd =
        OpenSshd.builder()
            .subsystem("sshrpc@k2r.org", script.toString())
            .authorizedKey(Files.readString(dir.resolve("alice.pub")))
            .authorizedKey(Files.readString(dir.resolve("bob.pub")))
            .start();
    knownHosts = sshd.writeKnownHosts(dir.resolve("known_hosts"));
  }

  @AfterAll
  static void stopSshd() {
    if (sshd != null) {
      sshd.close();
    }
  }

  @Override
  Peer connect(String user) throws Exception {
    FramedProcess ssh =
        FramedProcess.start(
            sshd.sshSubsystem(dir.resolve(user), knownHosts, "sshrpc@k2r.org"),
            Map.of(),
            dir.resolve("ssh-" + (++channels) + ".err"));
    onClose(ssh::close);
    return new Peer() {
      @Override
      public void sendRaw(byte[] bytes) throws Exception {
        ssh.sendRaw(bytes);
      }

      @Override
      public Term read() throws Exception {
        return ssh.receive(Duration.ofSeconds(60));
      }
    };
  }

  /**
   * Under OpenSSH each channel is its own {@code sshrpc stdio} process, so a pid lives only as long
   * as, and only inside, the channel that made it: another channel finds no such process (as an
   * Erlang node finds none for a pid of a node that is gone). docs/operations.md says so.
   */
  @Override
  @Test
  void v2ProcessesAcrossChannels() throws Exception {
    Peer a = v2(connect("alice"));
    Peer b = v2(connect("bob"));
    send(b, new ClientMessage.Spawn(1, atom("sshrpc_echo_proc"), atom("start"), ErlList.NIL).toTerm());
    ErlPid echo = (ErlPid) ((ServerMessage.Reply) msg(b)).value();
    send(a, new ClientMessage.Monitor(2, echo).toTerm());
    msg(a); // the monitor's ref
    ServerMessage.Deliver down = (ServerMessage.Deliver) msg(a);
    assertEquals(atom("DOWN"), ((org.sshrpc.term.ErlTuple) down.message()).get(0));
    assertEquals(ErlAtom.of("noproc"), ((org.sshrpc.term.ErlTuple) down.message()).get(4));
  }
}
