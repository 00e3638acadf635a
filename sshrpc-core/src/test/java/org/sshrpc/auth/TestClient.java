package org.sshrpc.auth;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.core.CoreModuleProperties;

/** A raw MINA SSH client session with one open {@link TestSshServer#SUBSYSTEM} channel. */
final class TestClient implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(30); // generous: the build machine can be very loaded

  final SshClient client;
  final ClientSession session;
  private ChannelSubsystem channel;
  private BufferedReader reader;
  private OutputStream writer;

  /** Connects and authenticates; throws (an SshException) when auth fails. */
  TestClient(TestSshServer server, String user, KeyPair key, AlgorithmPolicy algorithms) throws IOException {
    client = SshClient.setUpDefaultClient();
    algorithms.applyTo(client);
    client.setServerKeyVerifier(new RequiredServerKeyVerifier(server.hostKeys.publicKey()));
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    client.start();
    ClientSession s = null;
    try {
      s = client.connect(user, "127.0.0.1", server.port).verify(TIMEOUT).getSession();
      s.addPublicKeyIdentity(key);
      s.auth().verify(TIMEOUT);
    } catch (IOException | RuntimeException e) {
      if (s != null) {
        s.close(true);
      }
      client.stop();
      throw e;
    }
    session = s;
  }

  /** Opens the subsystem and returns its first line (the identity). */
  String open() throws IOException {
    channel = session.createSubsystemChannel(TestSshServer.SUBSYSTEM);
    channel.open().verify(TIMEOUT);
    reader = new BufferedReader(new InputStreamReader(channel.getInvertedOut(), StandardCharsets.UTF_8));
    writer = channel.getInvertedIn();
    return reader.readLine();
  }

  /** Asks the server's policy about {@code M F A}; returns "allow" or "deny". */
  String ask(String module, String function, int arity) throws IOException {
    writer.write((module + " " + function + " " + arity + "\n").getBytes(StandardCharsets.UTF_8));
    writer.flush();
    return reader.readLine();
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close(true);
    }
    session.close(true);
    client.stop();
  }
}
