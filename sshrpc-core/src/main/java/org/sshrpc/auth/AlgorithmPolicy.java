package org.sshrpc.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.OptionalFeature;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.compression.Compression;
import org.apache.sshd.common.helpers.AbstractFactoryManager;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.DHFactory;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.mac.Mac;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;

/**
 * The SSH algorithms a server or client may negotiate: key exchanges, ciphers, MACs and host-key /
 * public-key signature algorithms, in preference order. Immutable.
 *
 * <p>{@link #defaults()} is a modern set: post-quantum hybrid key exchange first (where Bouncy Castle
 * provides it), then curve25519 (NIST ECDH only by override); AES-GCM first on CPUs with AES instructions (else
 * chacha20-poly1305 first), then AES-CTR; encrypt-then-MAC SHA-2 MACs only; ed25519, ECDSA and RSA
 * with SHA-2 signatures (plus their OpenSSH certificate forms). Nothing with SHA-1, CBC, DSA, RC4 or
 * 3DES; no compression. Strict key exchange (the Terrapin countermeasure, {@code kex-strict-*-v00@openssh.com}) is
 * always negotiated by MINA SSHD 2.12+ and cannot be turned off.
 *
 * <p>Overrides follow OpenSSH's {@code Ciphers}/{@code KexAlgorithms}/{@code MACs}/{@code
 * HostKeyAlgorithms} syntax: a comma-separated list replaces the set; {@code +list} appends to it,
 * {@code -list} removes from it (wildcards {@code *} and {@code ?} allowed), {@code ^list} puts the
 * names first. An unknown or unsupported name is an {@link IllegalArgumentException} naming it and
 * listing the known names.
 */
public final class AlgorithmPolicy {
  /** The four algorithm lists of SSH's KEXINIT that a policy controls. */
  public enum Kind {
    /** Key exchange methods ({@code KexAlgorithms}). */
    KEX("KexAlgorithms", "key exchange"),
    /** Symmetric ciphers ({@code Ciphers}). */
    CIPHER("Ciphers", "cipher"),
    /** Message authentication codes ({@code MACs}). */
    MAC("MACs", "MAC"),
    /** Host key and user key signature algorithms ({@code HostKeyAlgorithms}). */
    SIGNATURE("HostKeyAlgorithms", "signature algorithm"),
    /** Compression methods ({@code none}, {@code zlib@openssh.com}, {@code zlib}). */
    COMPRESSION("Compression", "compression method");

    private final String opensshName;
    private final String noun;

    Kind(String opensshName, String noun) {
      this.opensshName = opensshName;
      this.noun = noun;
    }

    /** The OpenSSH configuration keyword for this list. */
    public String opensshName() {
      return opensshName;
    }
  }

  // Why not ecdh-sha2-nistp*: ssh-audit fails them ("weak elliptic curves") and every peer we
  // target speaks curve25519 (OpenSSH >= 6.5, OTP >= 20, MINA on Java 11+). Why not the alias
  // sntrup761x25519-sha512@openssh.com: ssh-audit 2.5 (Debian 12) still warns it is
  // "experimental". Debian 12's OpenSSH 9.2 negotiates the IETF name (OpenSshInteropIT checks it);
  // clients that know only the alias can get it back with
  // kexAlgorithms("+sntrup761x25519-sha512@openssh.com"). See docs/security.md.
  private static final List<String> DEFAULT_KEX =
      List.of(
          "mlkem768x25519-sha256",
          "sntrup761x25519-sha512",
          "curve25519-sha256",
          "curve25519-sha256@libssh.org");

  private static final List<String> GCM_FIRST =
      List.of(
          "aes128-gcm@openssh.com",
          "aes256-gcm@openssh.com",
          "chacha20-poly1305@openssh.com",
          "aes128-ctr",
          "aes192-ctr",
          "aes256-ctr");

  private static final List<String> CHACHA_FIRST =
      List.of(
          "chacha20-poly1305@openssh.com",
          "aes128-gcm@openssh.com",
          "aes256-gcm@openssh.com",
          "aes128-ctr",
          "aes192-ctr",
          "aes256-ctr");

  private static final List<String> DEFAULT_MACS =
      List.of("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com");

  private static final List<String> DEFAULT_SIGNATURES =
      List.of(
          "ssh-ed25519",
          "ecdsa-sha2-nistp256",
          "ecdsa-sha2-nistp384",
          "ecdsa-sha2-nistp521",
          "sk-ssh-ed25519@openssh.com",
          "sk-ecdsa-sha2-nistp256@openssh.com",
          "rsa-sha2-512",
          "rsa-sha2-256",
          "ssh-ed25519-cert-v01@openssh.com",
          "ecdsa-sha2-nistp256-cert-v01@openssh.com",
          "ecdsa-sha2-nistp384-cert-v01@openssh.com",
          "ecdsa-sha2-nistp521-cert-v01@openssh.com",
          "rsa-sha2-512-cert-v01@openssh.com",
          "rsa-sha2-256-cert-v01@openssh.com");

  // Why no compression: RPC frames are small, and zlib before auth is attack surface for nothing.
  private static final List<String> DEFAULT_COMPRESSION = List.of("none");

  private static final AlgorithmPolicy DEFAULTS =
      new AlgorithmPolicy(
          supportedOnly(Kind.KEX, DEFAULT_KEX),
          supportedOnly(Kind.CIPHER, CpuFeatures.hasAes() ? GCM_FIRST : CHACHA_FIRST),
          supportedOnly(Kind.MAC, DEFAULT_MACS),
          supportedOnly(Kind.SIGNATURE, DEFAULT_SIGNATURES),
          DEFAULT_COMPRESSION);

  private final List<String> kex;
  private final List<String> ciphers;
  private final List<String> macs;
  private final List<String> signatures;
  private final List<String> compression;

  private AlgorithmPolicy(
      List<String> kex,
      List<String> ciphers,
      List<String> macs,
      List<String> signatures,
      List<String> compression) {
    this.kex = List.copyOf(kex);
    this.ciphers = List.copyOf(ciphers);
    this.macs = List.copyOf(macs);
    this.signatures = List.copyOf(signatures);
    this.compression = List.copyOf(compression);
  }

  /** The modern default policy described in the class comment. */
  public static AlgorithmPolicy defaults() {
    return DEFAULTS;
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return DEFAULTS.newBuilder();
  }

  /** A builder starting from this policy. */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /** Key exchange names in preference order. */
  public List<String> kexAlgorithms() {
    return kex;
  }

  /** Cipher names in preference order. */
  public List<String> ciphers() {
    return ciphers;
  }

  /** MAC names in preference order. */
  public List<String> macs() {
    return macs;
  }

  /** Host-key and public-key signature algorithm names in preference order. */
  public List<String> hostKeyAlgorithms() {
    return signatures;
  }

  /** Compression method names in preference order; {@code none} only by default. */
  public List<String> compression() {
    return compression;
  }

  /** The names of one list. */
  public List<String> names(Kind kind) {
    switch (kind) {
      case KEX:
        return kex;
      case CIPHER:
        return ciphers;
      case MAC:
        return macs;
      case COMPRESSION:
        return compression;
      default:
        return signatures;
    }
  }

  /** Configures {@code server} to offer exactly this policy's algorithms. */
  public void applyTo(SshServer server) {
    apply(server, ServerBuilder.DH2KEX);
  }

  /** Configures {@code client} to offer exactly this policy's algorithms. */
  public void applyTo(SshClient client) {
    apply(client, ClientBuilder.DH2KEX);
  }

  private void apply(AbstractFactoryManager m, Function<DHFactory, KeyExchangeFactory> dh2kex) {
    List<KeyExchangeFactory> kexFactories = new ArrayList<>();
    for (String n : kex) {
      kexFactories.add(dh2kex.apply(BuiltinDHFactories.fromFactoryName(n)));
    }
    m.setKeyExchangeFactories(kexFactories);
    List<NamedFactory<Cipher>> c = new ArrayList<>();
    for (String n : ciphers) {
      c.add(BuiltinCiphers.fromFactoryName(n));
    }
    m.setCipherFactories(c);
    List<NamedFactory<Mac>> mm = new ArrayList<>();
    for (String n : macs) {
      mm.add(BuiltinMacs.fromFactoryName(n));
    }
    m.setMacFactories(mm);
    List<NamedFactory<Signature>> s = new ArrayList<>();
    for (String n : signatures) {
      s.add(BuiltinSignatures.fromFactoryName(n));
    }
    m.setSignatureFactories(s);
    List<NamedFactory<Compression>> z = new ArrayList<>();
    for (String n : compression) {
      z.add(BuiltinCompressions.fromFactoryName(n));
    }
    m.setCompressionFactories(z);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AlgorithmPolicy)) {
      return false;
    }
    AlgorithmPolicy p = (AlgorithmPolicy) o;
    return kex.equals(p.kex) && ciphers.equals(p.ciphers) && macs.equals(p.macs)
        && signatures.equals(p.signatures) && compression.equals(p.compression);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kex, ciphers, macs, signatures, compression);
  }

  @Override
  public String toString() {
    return "AlgorithmPolicy[KexAlgorithms="
        + String.join(",", kex)
        + " Ciphers="
        + String.join(",", ciphers)
        + " MACs="
        + String.join(",", macs)
        + " HostKeyAlgorithms="
        + String.join(",", signatures)
        + " Compression="
        + String.join(",", compression)
        + "]";
  }

  /** Every name MINA knows for {@code kind} (supported on this JVM or not). */
  static List<String> known(Kind kind) {
    Collection<? extends OptionalFeature> values;
    switch (kind) {
      case KEX:
        values = BuiltinDHFactories.VALUES;
        break;
      case CIPHER:
        values = BuiltinCiphers.VALUES;
        break;
      case MAC:
        values = BuiltinMacs.VALUES;
        break;
      case COMPRESSION:
        values = BuiltinCompressions.VALUES;
        break;
      default:
        values = BuiltinSignatures.VALUES;
    }
    List<String> out = new ArrayList<>();
    for (OptionalFeature f : values) {
      String n = ((org.apache.sshd.common.NamedResource) f).getName();
      if (kind == Kind.COMPRESSION || !"none".equals(n)) {
        out.add(n);
      }
    }
    return out;
  }

  private static OptionalFeature lookup(Kind kind, String name) {
    switch (kind) {
      case KEX:
        return BuiltinDHFactories.fromFactoryName(name);
      case CIPHER:
        return "none".equals(name) ? null : BuiltinCiphers.fromFactoryName(name);
      case MAC:
        return BuiltinMacs.fromFactoryName(name);
      case COMPRESSION:
        return BuiltinCompressions.fromFactoryName(name);
      default:
        return BuiltinSignatures.fromFactoryName(name);
    }
  }

  private static List<String> supportedOnly(Kind kind, List<String> names) {
    return names.stream()
        .filter(n -> lookup(kind, n) != null && lookup(kind, n).isSupported())
        .collect(Collectors.toList());
  }

  /** Builder for {@link AlgorithmPolicy}; each setter takes an OpenSSH-style list. */
  public static final class Builder {
    private List<String> kex;
    private List<String> ciphers;
    private List<String> macs;
    private List<String> signatures;
    private List<String> compression;

    private Builder(AlgorithmPolicy p) {
      this.kex = p.kex;
      this.ciphers = p.ciphers;
      this.macs = p.macs;
      this.signatures = p.signatures;
      this.compression = p.compression;
    }

    /** Like OpenSSH {@code KexAlgorithms}: {@code list}, {@code +list}, {@code -list}, {@code ^list}. */
    public Builder kexAlgorithms(String spec) {
      kex = edit(Kind.KEX, kex, spec);
      return this;
    }

    /** Like OpenSSH {@code Ciphers}. */
    public Builder ciphers(String spec) {
      ciphers = edit(Kind.CIPHER, ciphers, spec);
      return this;
    }

    /** Like OpenSSH {@code MACs}. */
    public Builder macs(String spec) {
      macs = edit(Kind.MAC, macs, spec);
      return this;
    }

    /**
     * Like OpenSSH {@code HostKeyAlgorithms}; on a server this list also governs the signature
     * algorithms accepted for public-key user auth (OpenSSH's {@code PubkeyAcceptedAlgorithms}).
     */
    public Builder hostKeyAlgorithms(String spec) {
      signatures = edit(Kind.SIGNATURE, signatures, spec);
      return this;
    }

    /**
     * Compression methods: {@code none}, {@code zlib@openssh.com} (after auth) and {@code zlib}; same
     * list syntax. (OpenSSH's {@code Compression yes} corresponds to {@code +zlib@openssh.com}.)
     */
    public Builder compression(String spec) {
      compression = edit(Kind.COMPRESSION, compression, spec);
      return this;
    }

    /** Applies {@code spec} to the list of {@code kind}. */
    public Builder set(Kind kind, String spec) {
      switch (kind) {
        case KEX:
          return kexAlgorithms(spec);
        case CIPHER:
          return ciphers(spec);
        case MAC:
          return macs(spec);
        case COMPRESSION:
          return compression(spec);
        default:
          return hostKeyAlgorithms(spec);
      }
    }

    /**
     * Reads OpenSSH-style lines {@code Ciphers ...}, {@code KexAlgorithms ...}, {@code MACs ...},
     * {@code HostKeyAlgorithms ...}, {@code Compression ...} ({@code #} comments) from a file;
     * errors name file:line.
     */
    public Builder load(Path file) throws IOException {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String s = lines.get(i).strip();
        if (s.isEmpty() || s.startsWith("#")) {
          continue;
        }
        String[] kv = s.split("[\\s=]+", 2);
        Kind kind = null;
        for (Kind k : Kind.values()) {
          if (k.opensshName.equalsIgnoreCase(kv[0])) {
            kind = k;
          }
        }
        try {
          if (kind == null || kv.length < 2) {
            throw new IllegalArgumentException(
                "expected one of KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms, Compression"
                    + " followed by a list");
          }
          set(kind, kv[1].strip());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
        }
      }
      return this;
    }

    /** The immutable policy. */
    public AlgorithmPolicy build() {
      return new AlgorithmPolicy(kex, ciphers, macs, signatures, compression);
    }

    private static List<String> edit(Kind kind, List<String> current, String spec) {
      Objects.requireNonNull(spec, "spec");
      String s = spec.strip();
      if (s.isEmpty()) {
        throw new IllegalArgumentException("empty " + kind.opensshName + " list");
      }
      char op = s.charAt(0);
      List<String> out;
      if (op == '-') {
        List<Pattern> patterns = new ArrayList<>();
        for (String n : split(s.substring(1))) {
          patterns.add(wildcard(n));
        }
        out = new ArrayList<>(current);
        out.removeIf(n -> patterns.stream().anyMatch(p -> p.matcher(n).matches()));
      } else {
        List<String> names = op == '+' || op == '^' ? split(s.substring(1)) : split(s);
        for (String n : names) {
          check(kind, n);
        }
        LinkedHashSet<String> set = new LinkedHashSet<>();
        if (op == '+') {
          set.addAll(current);
          set.addAll(names);
        } else if (op == '^') {
          set.addAll(names);
          set.addAll(current);
        } else {
          set.addAll(names);
        }
        out = new ArrayList<>(set);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException(
            kind.opensshName + " " + quote(spec) + " leaves no " + kind.noun);
      }
      return List.copyOf(out);
    }

    private static void check(Kind kind, String name) {
      OptionalFeature f = lookup(kind, name);
      if (f == null) {
        throw new IllegalArgumentException(
            "unknown " + kind.noun + " " + quote(name) + " in " + kind.opensshName
                + " (known: " + String.join(",", known(kind)) + ")");
      }
      if (!f.isSupported()) {
        throw new IllegalArgumentException(
            kind.noun + " " + quote(name) + " is not supported by this JVM's security providers");
      }
    }

    private static List<String> split(String list) {
      List<String> out = new ArrayList<>();
      for (String n : list.split(",")) {
        String t = n.strip();
        if (t.isEmpty()) {
          throw new IllegalArgumentException("empty name in list " + quote(list));
        }
        out.add(t);
      }
      return out;
    }

    private static Pattern wildcard(String glob) {
      StringBuilder re = new StringBuilder();
      for (char c : glob.toCharArray()) {
        re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
      }
      return Pattern.compile(re.toString());
    }
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
