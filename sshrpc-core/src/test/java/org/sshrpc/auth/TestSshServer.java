package org.sshrpc.auth;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.subsystem.SubsystemFactory;
import org.sshrpc.acl.PolicySource;

/**
 * A real MINA SSH server on a loopback port wired with this package's classes (host key, authorized
 * keys with user binding, algorithm policy, access policy) and one tiny line-based subsystem,
 * {@value #SUBSYSTEM}: it first writes the session's identity, {@code user fingerprint keyType
 * principals}, then answers each line {@code M F A} with {@code allow} or {@code deny} from the
 * current access policy. It stands in for the RPC subsystem so auth and policy can be tested over
 * real SSH on their own.
 */
final class TestSshServer implements AutoCloseable {
  static final String SUBSYSTEM = "whoami@test";

  final SshServer sshd;
  final HostKeys hostKeys;
  final int port;

  TestSshServer(Path dir, AuthorizedKeysAuthenticator auth, AlgorithmPolicy algorithms, PolicySource policy)
      throws IOException {
    hostKeys = HostKeys.loadOrGenerate(dir.resolve("host_ed25519"));
    sshd = SshServer.setUpDefaultServer();
    algorithms.applyTo(sshd);
    sshd.setHost("127.0.0.1");
    sshd.setPort(0);
    sshd.setKeyPairProvider(hostKeys);
    sshd.setPublickeyAuthenticator(auth);
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setGSSAuthenticator(null);
    sshd.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
    CoreModuleProperties.TCP_NODELAY.set(sshd, true);
    sshd.setSubsystemFactories(List.of(new WhoamiFactory(policy)));
    sshd.start();
    port = ((InetSocketAddress) sshd.getBoundAddresses().iterator().next()).getPort();
  }

  /** A known_hosts file trusting this server's host key. */
  Path knownHosts(Path dir) throws IOException {
    Path f = dir.resolve("known_hosts");
    Files.writeString(f, "[127.0.0.1]:" + port + " " + hostKeys.publicKeyLine() + "\n");
    return f;
  }

  @Override
  public void close() throws IOException {
    sshd.stop(true);
  }

  private static final class WhoamiFactory implements SubsystemFactory {
    private final PolicySource policy;

    WhoamiFactory(PolicySource policy) {
      this.policy = policy;
    }

    @Override
    public String getName() {
      return SUBSYSTEM;
    }

    @Override
    public Command createSubsystem(ChannelSession channel) {
      return new Whoami(policy);
    }
  }

  private static final class Whoami implements Command {
    private final PolicySource policy;
    private InputStream in;
    private OutputStream out;
    private ExitCallback exit;
    private Thread thread;

    Whoami(PolicySource policy) {
      this.policy = policy;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {}

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      SessionIdentity id = SessionIdentity.of(channel.getServerSession());
      thread =
          new Thread(
              () -> {
                try {
                  write(id.user() + " " + id.keyFingerprint() + " " + id.keyType() + " "
                      + String.join(",", id.certificatePrincipals()));
                  BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                  for (String line; (line = r.readLine()) != null; ) {
                    String[] mfa = line.trim().split(" ");
                    boolean ok = policy.current().allows(id.user(), id.keyFingerprint(), mfa[0], mfa[1],
                        Integer.parseInt(mfa[2]));
                    write(ok ? "allow" : "deny");
                  }
                  exit.onExit(0);
                } catch (IOException | RuntimeException e) {
                  exit.onExit(1, e.toString());
                }
              },
              "whoami");
      thread.setDaemon(true);
      thread.start();
    }

    private void write(String s) throws IOException {
      out.write((s + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    @Override
    public void destroy(ChannelSession channel) {
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
