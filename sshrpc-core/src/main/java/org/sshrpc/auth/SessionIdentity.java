package org.sshrpc.auth;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.List;
import java.util.Objects;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.session.ServerSession;

/**
 * Who is on the other end of an authenticated server session: the SSH user name, the public key
 * that proved it (fingerprint and type), the certificate principals when the key was an OpenSSH
 * certificate, and the remote address.
 *
 * <p>Recorded in the session by {@link AuthorizedKeysAuthenticator} when public-key auth succeeds;
 * the server hands it to the access policy and to handlers. Immutable.
 */
public final class SessionIdentity {
  static final AttributeKey<SessionIdentity> KEY = new AttributeKey<>();

  private final String user;
  private final String keyFingerprint;
  private final String keyType;
  private final List<String> certificatePrincipals;
  private final SocketAddress remoteAddress;
  // The key (or certificate) presented at auth; only to match MINA's list of verified keys.
  private final PublicKey presented;

  SessionIdentity(
      String user,
      String keyFingerprint,
      String keyType,
      List<String> certificatePrincipals,
      SocketAddress remoteAddress,
      PublicKey presented) {
    this.presented = presented;
    this.user = Objects.requireNonNull(user, "user");
    this.keyFingerprint = keyFingerprint;
    this.keyType = keyType;
    this.certificatePrincipals = List.copyOf(certificatePrincipals);
    this.remoteAddress = remoteAddress;
  }

  /**
   * The identity recorded in {@code session} at public-key auth. For a session authenticated some
   * other way (e.g. an explicitly enabled password authenticator) the identity carries the session's
   * user name and no key ({@link #keyFingerprint()} is {@code null}).
   *
   * @throws IllegalStateException if the session is not authenticated yet
   */
  public static SessionIdentity of(ServerSession session) {
    if (!session.isAuthenticated() || session.getUsername() == null) {
      throw new IllegalStateException("session is not authenticated");
    }
    SessionIdentity id = session.getAttribute(KEY);
    // The authenticator records a candidate before MINA verifies the signature; trust it only if
    // MINA then verified that very key for that very user name. Otherwise (e.g. a key was only
    // queried, then another method succeeded) the session has no key identity.
    List<PublicKey> verified = session.getAttribute(UserAuthPublicKey.AUTHENTICATED_KEYS);
    if (id != null
        && id.user.equals(session.getUsername())
        && verified != null
        && verified.stream().anyMatch(id::wasPresented)) {
      return id;
    }
    return new SessionIdentity(
        session.getUsername(), null, null, List.of(), session.getClientAddress(), null);
  }

  /** True when MINA's verified key {@code k} is the presented key or the key it certifies. */
  private boolean wasPresented(PublicKey k) {
    if (presented == null || k == null) {
      return false;
    }
    if (k == presented || KeyUtils.compareKeys(k, presented)) {
      return true;
    }
    return presented instanceof OpenSshCertificate
        && KeyUtils.compareKeys(k, ((OpenSshCertificate) presented).getCertPubKey());
  }

  /** Records {@code id} as the identity of {@code session}. */
  static void record(ServerSession session, SessionIdentity id) {
    session.setAttribute(KEY, id);
  }

  /** The SSH user name the peer logged in as, after binding checks. */
  public String user() {
    return user;
  }

  /**
   * The OpenSSH fingerprint ({@code SHA256:...}) of the key that authenticated the session; for a
   * certificate, the fingerprint of the certified key (not of the CA). {@code null} when the session
   * was not authenticated by a key.
   */
  public String keyFingerprint() {
    return keyFingerprint;
  }

  /** The key type name, e.g. {@code ssh-ed25519} or {@code ssh-ed25519-cert-v01@openssh.com}. */
  public String keyType() {
    return keyType;
  }

  /** The principals of the certificate that authenticated the session; empty for a plain key. */
  public List<String> certificatePrincipals() {
    return certificatePrincipals;
  }

  /** The peer's address as seen by the server. */
  public SocketAddress remoteAddress() {
    return remoteAddress;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SessionIdentity)) {
      return false;
    }
    SessionIdentity that = (SessionIdentity) o;
    return user.equals(that.user)
        && Objects.equals(keyFingerprint, that.keyFingerprint)
        && Objects.equals(keyType, that.keyType)
        && certificatePrincipals.equals(that.certificatePrincipals)
        && Objects.equals(remoteAddress, that.remoteAddress);
  }

  @Override
  public int hashCode() {
    return Objects.hash(user, keyFingerprint, keyType, certificatePrincipals, remoteAddress);
  }

  @Override
  public String toString() {
    return "SessionIdentity[user="
        + user
        + ", key="
        + keyType
        + " "
        + keyFingerprint
        + (certificatePrincipals.isEmpty() ? "" : ", principals=" + certificatePrincipals)
        + ", from="
        + remoteAddress
        + "]";
  }
}
