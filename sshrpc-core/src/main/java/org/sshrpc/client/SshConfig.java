package org.sshrpc.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.sshd.client.config.hosts.HostConfigEntry;

/**
 * An OpenSSH client configuration ({@code ssh_config(5)}): a file such as {@code ~/.ssh/config}
 * plus {@code -o Key=Value} options, which take precedence as on OpenSSH's command line. Parsed
 * and resolved by MINA SSHD's {@link HostConfigEntry} (Host patterns, first value wins, {@code %h}
 * in HostName, {@code ~} and {@code %d %u %h %r %p} in IdentityFile/CertificateFile); the file is
 * read again when it changes.
 *
 * <p>Understood: Host, HostName, Port, User, IdentityFile, CertificateFile, IdentitiesOnly,
 * IdentityAgent, ConnectTimeout, UserKnownHostsFile (first file), StrictHostKeyChecking,
 * HashKnownHosts. Other keywords are accepted and ignored, as {@code Match} blocks are.
 */
final class SshConfig {
  private final Path file; // null: options only
  private final List<HostConfigEntry> options;
  private List<HostConfigEntry> fileEntries = List.of();
  private FileTime loadedModified;
  private long loadedSize = -1;

  private SshConfig(Path file, List<HostConfigEntry> options) {
    this.file = file;
    this.options = options;
  }

  /**
   * A configuration from {@code file} (may be null, or missing: then options only) and {@code
   * options} ({@code Key=Value} or {@code Key Value}, in precedence order).
   *
   * @throws IllegalArgumentException for an option that is not {@code Key=Value} or has a bad value
   */
  static SshConfig of(Path file, List<String> options) {
    List<HostConfigEntry> entries = new ArrayList<>();
    for (String o : options) {
      entries.add(optionEntry(o));
    }
    return new SshConfig(file, List.copyOf(entries));
  }

  private static HostConfigEntry optionEntry(String option) {
    String o = option.strip();
    int eq = o.indexOf('=');
    int sp = o.indexOf(' ');
    int cut = eq > 0 ? eq : sp;
    if (cut <= 0 || cut == o.length() - 1) {
      throw new IllegalArgumentException("bad ssh option '" + option + "' (expected: Key=Value)");
    }
    String key = o.substring(0, cut).strip();
    String value = o.substring(cut + 1).strip();
    HostConfigEntry e = new HostConfigEntry();
    e.setHost("*");
    try {
      e.processProperty(key, List.of(value));
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException("bad ssh option '" + option + "': " + ex.getMessage(), ex);
    }
    return e;
  }

  /**
   * Resolves {@code node} as {@code ssh} does: the host name, port, user and settings of the
   * Host entries matching the address's host (its alias).
   *
   * @param defaultUser the user when neither the address nor the configuration names one
   * @throws IOException if the file exists but cannot be read or parsed (the message names it)
   */
  Target resolve(NodeAddress node, String defaultUser) throws IOException {
    List<HostConfigEntry> all = new ArrayList<>(options);
    all.addAll(entries());
    List<HostConfigEntry> matches = HostConfigEntry.findMatchingEntries(node.host(), all);
    HostConfigEntry e;
    try {
      e =
          HostConfigEntry.toHostConfigEntryResolver(all)
              .resolveEffectiveHost(
                  node.host(), node.hasExplicitPort() ? node.port() : 0, null, node.user(), null, null);
    } catch (RuntimeException ex) {
      throw new IOException(where() + ": " + ex.getMessage(), ex);
    }
    if (e == null) {
      return Target.plain(node, defaultUser);
    }
    boolean portGiven = node.hasExplicitPort() || matches.stream().anyMatch(m -> m.getPort() > 0);
    boolean userGiven =
        node.user() != null || matches.stream().anyMatch(m -> m.getUsername() != null && !m.getUsername().isEmpty());
    List<Path> ids = new ArrayList<>();
    for (String id : e.getIdentities()) {
      ids.add(Paths.get(id));
    }
    Set<Path> certs = new LinkedHashSet<>();
    String certFiles = e.getProperty(HostConfigEntry.CERTIFICATE_FILE_CONFIG_PROP);
    if (certFiles != null) {
      for (String c : certFiles.split(",")) {
        if (!c.isBlank()) {
          certs.add(Paths.get(c.strip()));
        }
      }
    }
    Map<String, String> p = e.getProperties();
    Duration connectTimeout = null;
    String ct = p.get("ConnectTimeout");
    if (ct != null) {
      try {
        long s = Long.parseLong(ct.strip());
        if (s <= 0) {
          throw new NumberFormatException();
        }
        connectTimeout = Duration.ofSeconds(s);
      } catch (NumberFormatException ex) {
        throw new IOException(where() + ": bad ConnectTimeout '" + ct + "' (expected: seconds > 0)");
      }
    }
    Path knownHosts = null;
    String kh = p.get("UserKnownHostsFile");
    if (kh != null && !kh.isBlank()) {
      String first = kh.strip().split("[\\s,]+")[0];
      knownHosts = first.equalsIgnoreCase("none") ? Paths.get("/dev/null") : expandHome(first);
    }
    String strict = lower(p.get("StrictHostKeyChecking"));
    if (strict != null
        && !List.of("yes", "no", "off", "ask", "accept-new").contains(strict)) {
      throw new IOException(
          where() + ": bad StrictHostKeyChecking '" + strict + "' (expected: yes, accept-new, no, off or ask)");
    }
    String agent = p.get(HostConfigEntry.IDENTITY_AGENT);
    return new Target(
        node.host(),
        e.getHostName(),
        portGiven ? e.getPort() : NodeAddress.DEFAULT_PORT,
        userGiven ? e.getUsername() : defaultUser,
        List.copyOf(ids),
        List.copyOf(certs),
        e.isIdentitiesOnly(),
        connectTimeout,
        knownHosts,
        strict,
        "yes".equals(lower(p.get("HashKnownHosts"))),
        agent == null ? null : agent.strip());
  }

  private static String lower(String s) {
    return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
  }

  static Path expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return Paths.get(System.getProperty("user.home", "."), path.substring(1).replaceFirst("^/", ""));
    }
    return Paths.get(path);
  }

  private String where() {
    return file == null ? "ssh options" : file.toString();
  }

  /** The file's entries, read again when its modification time or size changed. */
  private synchronized List<HostConfigEntry> entries() throws IOException {
    if (file == null) {
      return List.of();
    }
    FileTime modified;
    long size;
    try {
      modified = Files.getLastModifiedTime(file);
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      fileEntries = List.of(); // like ssh: a missing ~/.ssh/config is no configuration
      loadedModified = null;
      return fileEntries;
    }
    if (!modified.equals(loadedModified) || size != loadedSize) {
      String text = Files.readString(file);
      try {
        fileEntries = List.copyOf(HostConfigEntry.readHostConfigEntries(new BufferedReader(new StringReader(text))));
      } catch (IOException | RuntimeException e) {
        throw new IOException(file + ": " + e.getMessage(), e);
      }
      loadedModified = modified;
      loadedSize = size;
    }
    return fileEntries;
  }

  /**
   * Where and how to connect to one node, after the configuration: the host to connect to, the
   * port and user, and the per-host authentication and host-key settings (null: the client's
   * own).
   */
  record Target(
      String alias,
      String hostName,
      int port,
      String user,
      List<Path> identityFiles,
      List<Path> certificateFiles,
      boolean identitiesOnly,
      Duration connectTimeout,
      Path knownHosts,
      String strictHostKeyChecking,
      boolean hashKnownHosts,
      String identityAgent) {

    Target {
      Objects.requireNonNull(hostName, "hostName");
    }

    static Target plain(NodeAddress node, String defaultUser) {
      return new Target(
          node.host(), node.host(), node.port(), node.user() != null ? node.user() : defaultUser,
          List.of(), List.of(), false, null, null, null, false, null);
    }
  }
}
