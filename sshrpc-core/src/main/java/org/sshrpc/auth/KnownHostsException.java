package org.sshrpc.auth;

import java.io.IOException;

/**
 * A failure to verify a server's host key against a known_hosts file: the host is unknown (and
 * recording new hosts is off), its key changed, or the key is marked revoked. The message names
 * the host, the key type and the key's SHA-256 fingerprint.
 */
public final class KnownHostsException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why verification failed. */
  public enum Kind {
    /** No entry for the host, and new hosts are not accepted. */
    UNKNOWN_HOST,
    /** The host is listed with a different key: possibly a man-in-the-middle. */
    CHANGED_KEY,
    /** The key is listed under {@code @revoked}. */
    REVOKED_KEY
  }

  private final Kind kind;
  private final String host;
  private final String keyType;
  private final String fingerprint;

  KnownHostsException(Kind kind, String host, String keyType, String fingerprint, String message) {
    super(message);
    this.kind = kind;
    this.host = host;
    this.keyType = keyType;
    this.fingerprint = fingerprint;
  }

  public Kind kind() {
    return kind;
  }

  /** The host as looked up in known_hosts, e.g. {@code [127.0.0.1]:2222}. */
  public String host() {
    return host;
  }

  /** The server key's type, e.g. {@code ssh-ed25519}. */
  public String keyType() {
    return keyType;
  }

  /** The server key's fingerprint, e.g. {@code SHA256:...}. */
  public String fingerprint() {
    return fingerprint;
  }
}
