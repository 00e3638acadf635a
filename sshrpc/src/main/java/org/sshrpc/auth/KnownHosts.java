package org.sshrpc.auth;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Objects;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * Host key verification against an OpenSSH {@code known_hosts} file, strict by default.
 *
 * <p>Plain and hashed ({@code |1|}) host names, {@code [host]:port} entries, {@code
 * @cert-authority} and {@code @revoked} markers are understood (MINA SSHD parses the file). An
 * unknown host is refused unless {@code acceptNew} is set, in which case its key is appended to
 * the file; a host whose key <em>changed</em> is always refused. When verification fails the
 * reason is kept on the session so that {@link #failure(ClientSession)} can report it precisely.
 */
public final class KnownHosts {
  private static final AttributeKey<KnownHostsException> FAILURE = new AttributeKey<>();

  private KnownHosts() {}

  /**
   * Returns a verifier for this known_hosts file.
   *
   * @param file the file; it need not exist yet (every host is then unknown)
   * @param acceptNew whether an unknown host's key is accepted and recorded in {@code file}
   */
  public static ServerKeyVerifier verifier(Path file, boolean acceptNew) {
    Objects.requireNonNull(file, "file");
    // The delegate decides only for unknown hosts; a changed key never reaches it.
    ServerKeyVerifier unknownHosts = (session, remote, key) -> acceptNew;
    return new Verifier(unknownHosts, file, acceptNew);
  }

  /** The reason the last host key verification on this session failed, or null. */
  public static KnownHostsException failure(ClientSession session) {
    return session == null ? null : session.getAttribute(FAILURE);
  }

  static String hostName(SocketAddress remote) {
    if (remote instanceof InetSocketAddress) {
      InetSocketAddress a = (InetSocketAddress) remote;
      String h = a.getHostString();
      return a.getPort() == 22 ? h : "[" + h + "]:" + a.getPort();
    }
    return String.valueOf(remote);
  }

  private static final class Verifier extends KnownHostsServerKeyVerifier {
    private final boolean acceptNew;

    Verifier(ServerKeyVerifier delegate, Path file, boolean acceptNew) {
      super(delegate, file);
      this.acceptNew = acceptNew;
    }

    @Override
    protected boolean acceptUnknownHostKey(
        ClientSession session, SocketAddress remote, PublicKey serverKey) {
      boolean ok = super.acceptUnknownHostKey(session, remote, serverKey);
      if (!ok) {
        record(
            session,
            KnownHostsException.Kind.UNKNOWN_HOST,
            remote,
            serverKey,
            "host key for %s is not known: %s %s (not in "
                + getPath()
                + (acceptNew ? ")" : "; accept it explicitly to record it)"));
      }
      return ok;
    }

    @Override
    public boolean acceptModifiedServerKey(
        ClientSession session,
        SocketAddress remote,
        KnownHostEntry entry,
        PublicKey expected,
        PublicKey actual) {
      record(
          session,
          KnownHostsException.Kind.CHANGED_KEY,
          remote,
          actual,
          "host key for %s has CHANGED: server offers %s %s but "
              + getPath()
              + " lists "
              + KeyUtils.getKeyType(expected)
              + " "
              + KeyUtils.getFingerPrint(expected)
              + " (possible man-in-the-middle; refusing)");
      return false;
    }

    @Override
    protected void handleRevokedKey(ClientSession session, SocketAddress remote, PublicKey key) {
      record(
          session,
          KnownHostsException.Kind.REVOKED_KEY,
          remote,
          key,
          "host key for %s is REVOKED: %s %s (marked @revoked in " + getPath() + ")");
    }

    private static void record(
        ClientSession session,
        KnownHostsException.Kind kind,
        SocketAddress remote,
        PublicKey key,
        String format) {
      String host = hostName(remote);
      String type = KeyUtils.getKeyType(key);
      String fp = KeyUtils.getFingerPrint(key);
      session.setAttribute(
          FAILURE, new KnownHostsException(kind, host, type, fp, String.format(format, host, type, fp)));
    }
  }
}
