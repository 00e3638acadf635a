package org.sshrpc.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.HostKeyCertificateProvider;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.sshrpc.internal.TrustedFiles;

/**
 * The server's ed25519 host key: a MINA {@link KeyPairProvider} backed by one OpenSSH-format
 * private key file that is generated on first start and reused afterwards.
 *
 * <p>The file is written with mode 0600 in OpenSSH's own private key format, so {@code ssh-keygen
 * -y -f FILE} prints its public half. A key file that group or others may read is refused, as
 * OpenSSH refuses one, and so is one that somebody other than root or this user could replace (the
 * file or a directory above it owned by another user, or writable by others: {@link
 * TrustedFiles}).
 */
public final class HostKeys implements KeyPairProvider {
  private final Path file;
  private final KeyPair keyPair;
  private final String fingerprint;

  private HostKeys(Path file, KeyPair keyPair) {
    this.file = file;
    this.keyPair = keyPair;
    this.fingerprint = KeyUtils.getFingerPrint(keyPair.getPublic());
  }

  /**
   * Loads the host key from {@code file}, or generates a new ed25519 key there (creating parent
   * directories) when the file does not exist.
   *
   * @throws IOException when the file is unreadable, not a private key, or readable by group or
   *     others; the message names the file
   */
  public static HostKeys loadOrGenerate(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    requireEd25519Support();
    try {
      return load(file);
    } catch (NoSuchFileException e) {
      // fall through: first start
    }
    KeyPair kp;
    byte[] encoded;
    try {
      kp = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, "sshrpc host key", null, out);
      encoded = out.toByteArray();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot generate an ed25519 host key for " + file + ": " + e, e);
    }
    KeyFiles.writeOwnerOnly(file, encoded);
    // Read back what is on disk: proves the file loads, and if another process raced us to
    // create it, every process ends up serving the same key.
    HostKeys keys = load(file);
    keys.writePublicKeyFile();
    return keys;
  }

  /** {@code FILE.pub}, beside the key: what operators hand out, as sshd's host key .pub files. */
  public Path publicKeyFile() {
    return file.resolveSibling(file.getFileName() + ".pub");
  }

  /**
   * Writes {@link #publicKeyFile()} ({@code ssh-ed25519 AAAA... sshrpc-host-key}, mode 0644)
   * unless it exists already; returns it.
   *
   * @throws IOException if it cannot be written (the message names it)
   */
  public Path writePublicKeyFile() throws IOException {
    Path pub = publicKeyFile();
    if (!Files.exists(pub)) {
      try {
        Files.writeString(pub, publicKeyLine() + " sshrpc-host-key\n", java.nio.file.StandardOpenOption.CREATE_NEW);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return pub; // another process wrote it first: the same key, since the key file is shared
      } catch (IOException e) {
        throw new IOException("cannot write " + pub + ": " + e.getMessage(), e);
      }
    }
    return pub;
  }

  /** Loads an existing host key file; fails with {@link NoSuchFileException} if it is missing. */
  static HostKeys load(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
    // StrictModes: nobody but root and this user may be able to replace the key.
    Path real = TrustedFiles.check(file, "host key file");
    KeyFiles.checkPrivateKeyPermissions(real);
    Iterable<KeyPair> pairs;
    try (InputStream in = Files.newInputStream(real)) {
      pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, null);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException("cannot read host key " + file + ": " + e.getMessage(), e);
    }
    Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
    if (it == null || !it.hasNext()) {
      throw new IOException("host key file " + file + " contains no private key");
    }
    KeyPair kp = it.next();
    return new HostKeys(file, kp);
  }

  private static void requireEd25519Support() throws IOException {
    if (!SecurityUtils.isEDDSACurveSupported()) {
      throw new IOException(
          "ed25519 is not available: Bouncy Castle (org.bouncycastle:bcprov-jdk18on) must be on the"
              + " class path");
    }
  }

  /** The host key's OpenSSH fingerprint, {@code SHA256:} followed by unpadded base64. */
  public String fingerprint() {
    return fingerprint;
  }

  /** The public half of the host key. */
  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  /** The public key as one OpenSSH line ({@code ssh-ed25519 AAAA...}), e.g. for known_hosts. */
  public String publicKeyLine() {
    return PublicKeyEntry.toString(keyPair.getPublic());
  }

  /**
   * Loads an OpenSSH host certificate ({@code ssh-keygen -s CA -h}) for this host key, to be
   * presented to clients that ask for one (those with {@code @cert-authority} lines). The file must
   * pass the same ownership checks as the key ({@link TrustedFiles}): whoever can replace it can
   * make the server present another CA's signature.
   *
   * @throws IOException if the file cannot be read, is not a host certificate, certifies another
   *     key, or has expired; the message names the file
   */
  public HostKeyCertificateProvider certificate(Path certFile) throws IOException {
    Objects.requireNonNull(certFile, "certFile");
    Path real = TrustedFiles.check(certFile, "host certificate file");
    PublicKey key;
    try {
      String line = Files.readString(real, StandardCharsets.UTF_8).trim();
      key = PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, null, null);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException("cannot read host certificate " + certFile + ": " + e.getMessage(), e);
    }
    if (!(key instanceof OpenSshCertificate)) {
      throw new IOException("host certificate " + certFile + " is a plain " + KeyUtils.getKeyType(key)
          + " key (expected: a certificate from ssh-keygen -s CA -h)");
    }
    OpenSshCertificate cert = (OpenSshCertificate) key;
    if (cert.getType() != OpenSshCertificate.Type.HOST) {
      throw new IOException("host certificate " + certFile + " is a user certificate (expected: signed with ssh-keygen -h)");
    }
    if (!KeyUtils.compareKeys(cert.getCertPubKey(), keyPair.getPublic())) {
      throw new IOException("host certificate " + certFile + " certifies " + KeyUtils.getFingerPrint(cert.getCertPubKey())
          + ", not this server's host key " + fingerprint + " (" + file + ")");
    }
    if (!OpenSshCertificate.isValidNow(cert)) {
      throw new IOException("host certificate " + certFile + " is not valid now (valid "
          + cert.getValidAfter() + " to " + cert.getValidBefore() + ")");
    }
    List<OpenSshCertificate> certs = List.of(cert);
    return session -> certs;
  }

  /** The key file this host key was loaded from or written to. */
  public Path file() {
    return file;
  }

  @Override
  public Iterable<KeyPair> loadKeys(SessionContext session) {
    return List.of(keyPair);
  }

  @Override
  public String toString() {
    return "HostKeys[" + KeyUtils.getKeyType(keyPair.getPublic()) + " " + fingerprint + " " + file + "]";
  }
}
