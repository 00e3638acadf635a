package org.sshrpc.auth;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.interfaces.RSAKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.internal.TrustedFiles;

/**
 * A MINA {@link PublickeyAuthenticator} that admits the keys of an OpenSSH {@code authorized_keys}
 * file, each bound to the user names it may log in as, plus OpenSSH user certificates signed by a
 * trusted CA, minus revoked keys.
 *
 * <p><b>User binding.</b> A key line may carry the option {@code sshrpc-user="alice"} (several names
 * separated by commas); the key then logs in only as those users. A line without that option logs in
 * only as the <em>default user</em>: the one set with {@link Builder#defaultUser(String)}, else the
 * owner of the authorized_keys file (as in OpenSSH, where a user's own file admits that user),
 * except that a root-owned file never maps a key to root: its lines must bind users explicitly, and
 * an unbound key is refused (logged). An empty or blank {@code sshrpc-user=""} disables its line
 * (logged), never falling back to the default. Claiming any other name fails authentication, so a
 * key never gains another user's permissions.
 *
 * <p><b>Other options.</b> Options that only restrict what OpenSSH would do for a shell
 * ({@code no-pty}, {@code no-port-forwarding}, {@code restrict}, ...) are accepted: this server never
 * offers a shell, pty or forwarding. Options that restrict <em>who</em> may use the key and that this
 * server does not implement ({@code command=}, {@code permitopen=}, ...) disable the line, so a
 * restriction is never silently dropped ({@code verify-required} is one: FIDO user verification is
 * not checked here). {@code from="pattern-list"} and {@code
 * expiry-time="YYYYMMDD[HHMM[SS]]"} are honoured.
 *
 * <p><b>Certificates.</b> With {@link Builder#trustedUserCaKeys(Path)} (like OpenSSH's {@code
 * TrustedUserCAKeys}) a {@code *-cert-v01@openssh.com} user key is admitted when it is signed by a
 * listed CA, is within its validity window, lists the requested user name among its principals and has
 * no critical option other than {@code source-address} (which is checked). A line of the
 * authorized_keys file marked {@code cert-authority} is a CA too: the user name must be bound to the
 * line as for a plain key, and the certificate must list one of the line's {@code principals="..."}
 * (or, without that option, the user name itself), as in OpenSSH.
 *
 * <p><b>Revocation.</b> {@link Builder#revokedKeys(Path)} names a file of revoked keys, one OpenSSH
 * public key line or {@code SHA256:} fingerprint per line; a revoked key, a certificate of a revoked
 * key and a certificate signed by a revoked CA are refused. If that file is configured but unreadable
 * every key is refused (fail closed), as OpenSSH does.
 *
 * <p>A file that somebody other than root or this process's user could replace is not trusted, as
 * with OpenSSH's {@code StrictModes}: the file and every directory above it are checked for owner
 * and mode (see {@code docs/security.md}). An authorized_keys or CA file then admits nobody, a
 * revoked-keys file refuses everybody. All files are re-read when they change (checked on each authentication), so keys can be added
 * or revoked without a restart. On success the {@link SessionIdentity} is recorded in the session.
 */
public final class AuthorizedKeysAuthenticator implements PublickeyAuthenticator {
  /** The authorized_keys option that binds a key to user names. */
  public static final String USER_OPTION = "sshrpc-user";

  /** The smallest RSA modulus accepted, in bits. */
  static final int MIN_RSA_BITS = 2048;

  private static final Logger LOG = LoggerFactory.getLogger(AuthorizedKeysAuthenticator.class);

  /** The reason the last key offered on a session was refused, for the server's audit log. */
  private static final org.apache.sshd.common.AttributeRepository.AttributeKey<String> REFUSAL =
      new org.apache.sshd.common.AttributeRepository.AttributeKey<>();

  // Options that narrow shell/forwarding features this server never offers anyway.
  private static final Set<String> HARMLESS_OPTIONS =
      Set.of(
          "no-pty",
          "no-port-forwarding",
          "no-agent-forwarding",
          "no-x11-forwarding",
          "no-user-rc",
          "restrict",
          "pty",
          "user-rc",
          "port-forwarding",
          "agent-forwarding",
          "x11-forwarding",
          // Relaxes the FIDO touch requirement; MINA's verifier is never laxer than the key.
          "no-touch-required");

  private final WatchedFile<KeySet> authorizedKeys;
  private final List<WatchedFile<KeySet>> trustedCas;
  private final List<WatchedFile<Revoked>> revoked;
  private final String defaultUser;
  private final Clock clock;

  private AuthorizedKeysAuthenticator(Builder b) {
    this.defaultUser = b.defaultUser;
    this.clock = b.clock;
    this.authorizedKeys =
        new WatchedFile<>(b.authorizedKeys, f -> KeySet.parse(f, false), KeySet.EMPTY, KeySet.EMPTY);
    List<WatchedFile<KeySet>> cas = new ArrayList<>();
    for (Path f : b.trustedUserCaKeys) {
      cas.add(new WatchedFile<>(f, p -> KeySet.parse(p, true), KeySet.EMPTY, KeySet.EMPTY));
    }
    this.trustedCas = List.copyOf(cas);
    List<WatchedFile<Revoked>> rev = new ArrayList<>();
    for (Path f : b.revokedKeys) {
      rev.add(new WatchedFile<>(f, Revoked::parse, Revoked.NONE, Revoked.ALL));
    }
    this.revoked = List.copyOf(rev);
  }

  /**
   * Why the last key offered on {@code session} was refused by an authenticator of this class, or
   * null if none was. The server's audit log uses it to say why an authentication failed.
   */
  public static String lastRefusal(ServerSession session) {
    return session.getAttribute(REFUSAL);
  }

  /** A builder for an authenticator reading {@code authorizedKeys}. */
  public static Builder builder(Path authorizedKeys) {
    return new Builder(authorizedKeys);
  }

  /** An authenticator for {@code authorizedKeys} with the default user binding and no CA. */
  public static AuthorizedKeysAuthenticator of(Path authorizedKeys) {
    return builder(authorizedKeys).build();
  }

  @Override
  public boolean authenticate(String username, PublicKey key, ServerSession session) {
    String refusal = refusal(username, key, remote(session), session);
    if (refusal != null) {
      if (session != null) {
        session.setAttribute(REFUSAL, refusal);
      }
      // For a certificate, name the certified key: that is what revocation and policy use.
      PublicKey shown = key instanceof OpenSshCertificate ? ((OpenSshCertificate) key).getCertPubKey() : key;
      LOG.info(
          "auth refused: user={} key={} {} from={}: {}",
          printable(username),
          KeyUtils.getKeyType(key),
          KeyUtils.getFingerPrint(shown),
          session == null ? null : session.getClientAddress(),
          refusal);
      return false;
    }
    return true;
  }

  /**
   * Null when {@code key} may log in as {@code username} from {@code addr} (then the identity is
   * recorded in {@code session}, if not null), else the reason why not.
   */
  String refusal(String username, PublicKey key, InetAddress addr, ServerSession session) {
    try {
      return key instanceof OpenSshCertificate
          ? checkCertificate(username, (OpenSshCertificate) key, addr, session)
          : checkPlainKey(username, key, addr, session);
    } catch (RuntimeException e) {
      LOG.error("auth check failed for user={}", printable(username), e);
      return "internal error: " + e;
    }
  }

  private String checkPlainKey(String username, PublicKey key, InetAddress addr, ServerSession session) {
    String revokedWhy = revocation(key);
    if (revokedWhy != null) {
      return revokedWhy;
    }
    String keyProblem = weakKey(key);
    if (keyProblem != null) {
      return keyProblem;
    }
    KeySet keys = authorizedKeys.get();
    List<String> reasons = new ArrayList<>();
    for (KeyLine line : keys.lines) {
      if (line.certAuthority || !KeyUtils.compareKeys(line.key, key)) {
        continue;
      }
      String why = line.refusal(username, boundUsers(line), addr, clock.instant());
      if (why == null) {
        record(session, username, key, key, List.of());
        return null;
      }
      reasons.add(line.where + ": " + why);
    }
    return reasons.isEmpty() ? "key not in " + authorizedKeys.file() : String.join("; ", reasons);
  }

  /**
   * The names {@code line} may log in as: its {@code sshrpc-user=} names, else the default user,
   * else the file's owner, except root (empty: see {@link KeyLine#refusal}).
   */
  private Set<String> boundUsers(KeyLine line) {
    if (!line.users.isEmpty()) {
      return line.users;
    }
    if (defaultUser != null) {
      return Set.of(defaultUser);
    }
    // A root-owned file is a system file listing many people's keys, not root's own: mapping
    // its unbound keys to root would give every one of them root's policy rules.
    return line.fileOwner == null || line.rootOwnedFile ? Set.of() : Set.of(line.fileOwner);
  }

  private String checkCertificate(
      String username, OpenSshCertificate cert, InetAddress addr, ServerSession session) {
    PublicKey ca = cert.getCaPubKey();
    PublicKey certified = cert.getCertPubKey();
    String revokedWhy = revocation(certified);
    if (revokedWhy == null) {
      revokedWhy = revocation(ca);
      if (revokedWhy != null) {
        revokedWhy = "certificate signed by a revoked CA: " + revokedWhy;
      }
    }
    if (revokedWhy != null) {
      return revokedWhy;
    }
    String keyProblem = weakKey(certified);
    if (keyProblem != null) {
      return keyProblem;
    }
    if (cert.getType() != OpenSshCertificate.Type.USER) {
      return "certificate " + quote(cert.getId()) + " is not a user certificate";
    }
    long now = clock.instant().getEpochSecond();
    // Unsigned comparison: OpenSSH's "forever" is 2^64-1.
    if (Long.compareUnsigned(now, cert.getValidAfter()) < 0
        || Long.compareUnsigned(now, cert.getValidBefore()) >= 0) {
      return "certificate "
          + quote(cert.getId())
          + " is not valid now (valid "
          + epoch(cert.getValidAfter())
          + " to "
          + epoch(cert.getValidBefore())
          + ")";
    }
    for (Map.Entry<String, String> opt : cert.getCriticalOptionsMap().entrySet()) {
      if (OpenSshCertificate.SOURCE_ADDRESS.equals(opt.getKey())) {
        if (addr == null || !AddressPatterns.matchesCidrList(opt.getValue(), addr)) {
          return "certificate " + quote(cert.getId()) + " source-address " + opt.getValue()
              + " does not admit " + addr;
        }
      } else {
        return "certificate " + quote(cert.getId()) + " has unsupported critical option "
            + quote(opt.getKey());
      }
    }
    List<String> principals = List.copyOf(cert.getPrincipals());
    String reasons = null;
    for (WatchedFile<KeySet> caFile : trustedCas) {
      for (KeyLine line : caFile.get().lines) {
        if (KeyUtils.compareKeys(line.key, ca)) {
          if (!principals.contains(username)) {
            reasons = "certificate " + quote(cert.getId()) + " principals " + principals
                + " do not include " + quote(username);
            break;
          }
          // The principals are the binding; options on a CA line (from=, expiry-time=, an
          // unsupported one, or sshrpc-user= to narrow it further) still apply.
          Set<String> bound = line.users.isEmpty() ? Set.of(username) : line.users;
          String why = line.refusal(username, bound, addr, clock.instant());
          if (why != null) {
            reasons = line.where + ": " + why;
            break;
          }
          record(session, username, certified, cert, principals);
          return null;
        }
      }
    }
    for (KeyLine line : authorizedKeys.get().lines) {
      if (!line.certAuthority || !KeyUtils.compareKeys(line.key, ca)) {
        continue;
      }
      // cert-authority line: its principals= option (or, absent, the user name) must be listed.
      Set<String> wanted = line.principals.isEmpty() ? Set.of(username) : line.principals;
      boolean any = principals.stream().anyMatch(wanted::contains);
      String why = any ? line.refusal(username, boundUsers(line), addr, clock.instant()) : null;
      if (any && why == null) {
        record(session, username, certified, cert, principals);
        return null;
      }
      reasons = line.where + ": " + (any ? why : "certificate principals " + principals
          + " do not include any of " + wanted);
    }
    return reasons != null ? reasons : "certificate " + quote(cert.getId()) + " signed by an untrusted CA "
        + KeyUtils.getFingerPrint(ca);
  }

  private String revocation(PublicKey key) {
    String fp = null;
    for (WatchedFile<Revoked> file : revoked) {
      Revoked r = file.get();
      if (r.all) {
        return "revoked-keys file " + file.file() + " cannot be used (see the error logged when it"
            + " was loaded); refusing every key";
      }
      fp = fp == null ? KeyUtils.getFingerPrint(key) : fp;
      if (r.fingerprints.contains(fp)) {
        return "key " + fp + " is revoked";
      }
    }
    return null;
  }

  private static String weakKey(PublicKey key) {
    String type = KeyUtils.getKeyType(key);
    if (KeyPairProvider.SSH_DSS.equals(type)) {
      return "DSA keys are not accepted";
    }
    if (key instanceof RSAKey && ((RSAKey) key).getModulus().bitLength() < MIN_RSA_BITS) {
      return "RSA key of " + ((RSAKey) key).getModulus().bitLength() + " bits is below the minimum "
          + MIN_RSA_BITS;
    }
    return null;
  }

  private void record(
      ServerSession session, String user, PublicKey certified, PublicKey presented, List<String> principals) {
    if (session == null) {
      return;
    }
    SessionIdentity.record(
        session,
        new SessionIdentity(
            user,
            KeyUtils.getFingerPrint(certified),
            KeyUtils.getKeyType(presented),
            principals,
            session.getClientAddress(),
            presented));
  }

  private static InetAddress remote(ServerSession session) {
    SocketAddress a = session == null ? null : session.getClientAddress();
    return a instanceof InetSocketAddress ? ((InetSocketAddress) a).getAddress() : null;
  }

  private static String quote(String s) {
    return "\"" + printable(s) + "\"";
  }

  /**
   * {@code s} safe for a log line: the user name comes from an unauthenticated peer, so control
   * characters (a forged second log line) are escaped and the length is capped.
   */
  static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder();
    // Every control, format (bidi, zero-width), separator and surrogate character escaped, as
    // in the audit log (LogChars): a user name is the client's text.
    for (int i = 0; i < s.length() && b.length() < 100; ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp < 0x100 && org.sshrpc.internal.LogChars.mustEscape(cp)) {
        b.append(String.format("\\x%02x", cp));
      } else if (org.sshrpc.internal.LogChars.mustEscape(cp)) {
        b.append(String.format("\\u{%04X}", cp));
      } else if (cp == '"' || cp == '\\') {
        b.append('\\').appendCodePoint(cp);
      } else {
        b.appendCodePoint(cp);
      }
    }
    if (b.length() >= 100 && s.length() > 0) {
      b.append("...");
    }
    return b.toString();
  }

  private static String epoch(long seconds) {
    if (seconds == -1L) {
      return "forever";
    }
    return Instant.ofEpochSecond(seconds).toString();
  }

  /** Builder for {@link AuthorizedKeysAuthenticator}. */
  public static final class Builder {
    private final Path authorizedKeys;
    private String defaultUser;
    private final List<Path> trustedUserCaKeys = new ArrayList<>();
    private final List<Path> revokedKeys = new ArrayList<>();
    private Clock clock = Clock.systemUTC();

    private Builder(Path authorizedKeys) {
      this.authorizedKeys = Objects.requireNonNull(authorizedKeys, "authorizedKeys");
    }

    /**
     * The user name that key lines without {@code sshrpc-user=} may log in as. Default: the owner
     * of the authorized_keys file.
     */
    public Builder defaultUser(String user) {
      if (user != null && (user.isEmpty() || user.contains(","))) {
        throw new IllegalArgumentException("bad default user: " + quote(user));
      }
      this.defaultUser = user;
      return this;
    }

    /**
     * A file of CA public keys whose user certificates are trusted (like TrustedUserCAKeys). May be
     * called several times: the CAs of every file are trusted.
     */
    public Builder trustedUserCaKeys(Path file) {
      this.trustedUserCaKeys.add(Objects.requireNonNull(file, "file"));
      return this;
    }

    /**
     * A file of revoked keys: OpenSSH public key lines or {@code SHA256:} fingerprints. May be
     * called several times: a key listed in any file is revoked, and any unusable file refuses
     * every key.
     */
    public Builder revokedKeys(Path file) {
      this.revokedKeys.add(Objects.requireNonNull(file, "file"));
      return this;
    }

    /** The clock for certificate validity and expiry-time (tests). */
    Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** The authenticator; its files are read on first use and whenever they change. */
    public AuthorizedKeysAuthenticator build() {
      return new AuthorizedKeysAuthenticator(this);
    }
  }

  /** One usable line of an authorized_keys or CA keys file. */
  static final class KeyLine {
    final String where;
    final PublicKey key;
    final Set<String> users;
    final boolean certAuthority;
    final Set<String> principals;
    final String fromPatterns;
    final Instant expiry;
    final String disabled;
    final String fileOwner;
    final boolean rootOwnedFile;

    KeyLine(
        String where,
        PublicKey key,
        Map<String, String> options,
        String fileOwner,
        boolean rootOwnedFile,
        boolean caFile,
        boolean bareUserOption) {
      this.where = where;
      this.key = key;
      this.fileOwner = fileOwner;
      this.rootOwnedFile = rootOwnedFile;
      Set<String> users = new LinkedHashSet<>();
      Set<String> principals = new LinkedHashSet<>();
      String from = null;
      Instant expiry = null;
      String disabled = null;
      boolean ca = caFile;
      for (Map.Entry<String, String> e : options.entrySet()) {
        String name = e.getKey().toLowerCase(Locale.ROOT);
        String value = e.getValue();
        switch (name) {
          case USER_OPTION:
            List<String> named = list(value);
            if (bareUserOption) {
              // MINA reads a bare flag as "true": never a user called "true".
              disabled = USER_OPTION + " has no value (expected: " + USER_OPTION + "=\"NAME[,NAME...]\")";
              named = List.of();
            } else if (named.isEmpty()) {
              // Never a fallback to the default user or the file's owner: an empty binding is a
              // mistake (or a template never filled in), and guessing would grant someone's rights.
              disabled = USER_OPTION + "=" + quote(value) + " names no user";
            }
            users.addAll(named);
            break;
          case "cert-authority":
            ca = true;
            break;
          case "principals":
            principals.addAll(list(value));
            break;
          case "from":
            from = value;
            break;
          case "expiry-time":
            try {
              expiry = ExpiryTime.parse(value);
            } catch (IllegalArgumentException ex) {
              disabled = "bad expiry-time " + quote(value);
            }
            break;
          default:
            if (!HARMLESS_OPTIONS.contains(name)) {
              disabled = "option " + quote(name) + " is not supported by this server";
            }
        }
      }
      this.users = Set.copyOf(users);
      this.principals = Set.copyOf(principals);
      this.certAuthority = ca;
      this.fromPatterns = from;
      this.expiry = expiry;
      this.disabled = disabled;
    }

    private static List<String> list(String value) {
      List<String> out = new ArrayList<>();
      for (String s : value.split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
      return out;
    }

    /** Null when this line admits {@code username} from {@code addr} at {@code now}. */
    String refusal(String username, Set<String> bound, InetAddress addr, Instant now) {
      if (disabled != null) {
        return "line disabled: " + disabled;
      }
      if (expiry != null && !now.isBefore(expiry)) {
        return "key expired at " + expiry;
      }
      if (fromPatterns != null && (addr == null || !AddressPatterns.matchesFrom(fromPatterns, addr))) {
        return "from=" + quote(fromPatterns) + " does not admit " + addr;
      }
      if (bound.isEmpty()) {
        return rootOwnedFile
            ? "no " + USER_OPTION + "= on the line and the file is owned by root: a root-owned file"
                + " must bind every key to its users explicitly (keys are never mapped to root)"
            : "no " + USER_OPTION + "= on the line and no default user";
      }
      if (!bound.contains(username)) {
        return "key is bound to " + bound + ", not to " + quote(username);
      }
      return null;
    }
  }

  /** The parsed key lines of one file. */
  static final class KeySet {
    static final KeySet EMPTY = new KeySet(List.of());
    final List<KeyLine> lines;

    KeySet(List<KeyLine> lines) {
      this.lines = List.copyOf(lines);
    }

    static KeySet parse(Path file, boolean caFile) throws IOException {
      Path real = TrustedFiles.check(file, caFile ? "trusted user CA keys file" : "authorized_keys file");
      String owner;
      boolean rootOwned;
      try {
        owner = Files.getOwner(real).getName();
        rootOwned = TrustedFiles.ownedByRoot(real);
      } catch (IOException | UnsupportedOperationException e) {
        owner = null;
        rootOwned = false;
      }
      List<String> text = Files.readAllLines(real, StandardCharsets.UTF_8);
      List<KeyLine> lines = new ArrayList<>();
      for (int i = 0; i < text.size(); i++) {
        String s = text.get(i).strip();
        if (s.isEmpty() || s.startsWith("#")) {
          continue;
        }
        String where = file + ":" + (i + 1);
        try {
          AuthorizedKeyEntry e = AuthorizedKeyEntry.parseAuthorizedKeyEntry(s);
          if (e == null) {
            continue;
          }
          PublicKey key = e.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
          if (key == null) {
            throw new IOException("unsupported key type " + e.getKeyType());
          }
          Map<String, String> opts = e.getLoginOptions() == null ? Map.of() : e.getLoginOptions();
          // A bare "sshrpc-user" (no '=') reaches us as the value "true", like sshrpc-user="true".
          int keyAt = s.indexOf(e.getKeyType());
          String optionText = keyAt > 0 ? s.substring(0, keyAt) : s;
          boolean bare =
              opts.keySet().stream().anyMatch(USER_OPTION::equalsIgnoreCase)
                  && !optionText.toLowerCase(Locale.ROOT).contains(USER_OPTION + "=");
          KeyLine line = new KeyLine(where, key, opts, owner, rootOwned, caFile, bare);
          if (line.disabled != null) {
            LOG.warn("{}: key line disabled, its key is refused: {}", where, line.disabled);
          } else if (!caFile && rootOwned && line.users.isEmpty()) {
            LOG.warn(
                "{}: no {}= on the line and the file is owned by root: the key is refused unless a"
                    + " default user is configured (keys are never mapped to root)",
                where,
                USER_OPTION);
          }
          lines.add(line);
        } catch (Exception ex) {
          // One bad line must not lock everyone out, but is never silently skipped.
          LOG.warn("{}: ignoring unparsable key line: {}", where, ex.getMessage());
        }
      }
      return new KeySet(lines);
    }
  }

  /** The parsed revoked-keys file. */
  static final class Revoked {
    static final Revoked NONE = new Revoked(Set.of(), false);
    static final Revoked ALL = new Revoked(Set.of(), true);
    final Set<String> fingerprints;
    final boolean all;

    Revoked(Set<String> fingerprints, boolean all) {
      this.fingerprints = Set.copyOf(fingerprints);
      this.all = all;
    }

    static Revoked parse(Path file) throws IOException {
      Path real = TrustedFiles.check(file, "revoked keys file");
      List<String> text = Files.readAllLines(real, StandardCharsets.UTF_8);
      Set<String> fps = new LinkedHashSet<>();
      for (int i = 0; i < text.size(); i++) {
        String s = text.get(i).strip();
        if (s.isEmpty() || s.startsWith("#")) {
          continue;
        }
        if (s.startsWith("SHA256:")) {
          fps.add(s.split("\\s+")[0]);
          continue;
        }
        try {
          AuthorizedKeyEntry e = AuthorizedKeyEntry.parseAuthorizedKeyEntry(s);
          PublicKey key = e.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
          if (key instanceof OpenSshCertificate) {
            key = ((OpenSshCertificate) key).getCertPubKey();
          }
          fps.add(KeyUtils.getFingerPrint(key));
        } catch (Exception ex) {
          // A revocation we cannot understand must not be ignored: fail closed.
          throw new IOException(file + ":" + (i + 1) + ": cannot parse revoked key: " + ex.getMessage(), ex);
        }
      }
      return new Revoked(fps, false);
    }
  }
}
