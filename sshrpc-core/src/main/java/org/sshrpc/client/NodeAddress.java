package org.sshrpc.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The address of an sshrpc node: {@code [user@]host[:port]}, with IPv6 literals in brackets
 * ({@code [::1]:2222}). Immutable; parsed with {@link #parse(String)}; cluster files (one address
 * per line, {@code #} comments) with {@link #parseClusterFile(Path)}.
 */
public final class NodeAddress {
  /** The port used when none is given. */
  public static final int DEFAULT_PORT = 2222;

  private final String user; // null: the client's default user
  private final String host;
  private final int port;
  // Whether the port was written in the address: only then does it override an ssh_config Port.
  // Not part of equality: db1 and db1:2222 name the same node.
  private final boolean explicitPort;

  private NodeAddress(String user, String host, int port) {
    this(user, host, port, true);
  }

  private NodeAddress(String user, String host, int port, boolean explicitPort) {
    this.user = user;
    this.host = host;
    this.port = port;
    this.explicitPort = explicitPort;
  }

  public static NodeAddress of(String user, String host, int port) {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("empty host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port + " (expected: 1..65535)");
    }
    if (user != null && user.isEmpty()) {
      throw new IllegalArgumentException("empty user");
    }
    return new NodeAddress(user, host, port);
  }

  /**
   * Parses {@code [user@]host[:port]}; the host may be a name, an IPv4 address or a bracketed
   * IPv6 literal. A bare IPv6 literal without brackets (more than one colon) is taken as a host
   * without port.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static NodeAddress parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.trim();
    String user = null;
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      user = s.substring(0, at);
      s = s.substring(at + 1);
      if (user.isEmpty()) {
        throw new IllegalArgumentException("empty user in node address: " + text);
      }
    }
    String host;
    int port = DEFAULT_PORT;
    boolean explicitPort = false;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("unclosed '[' in node address: " + text);
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("expected ':port' after ']' in node address: " + text);
        }
        port = parsePort(rest.substring(1), text);
        explicitPort = true;
      }
    } else {
      int colon = s.indexOf(':');
      if (colon >= 0 && colon == s.lastIndexOf(':')) {
        host = s.substring(0, colon);
        port = parsePort(s.substring(colon + 1), text);
        explicitPort = true;
      } else {
        host = s; // no port, or a bare IPv6 literal
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host in node address: " + text);
    }
    return new NodeAddress(user, host, port, explicitPort);
  }

  private static int parsePort(String p, String text) {
    try {
      int port = Integer.parseInt(p);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("bad port '" + p + "' in node address: " + text + " (expected: 1..65535)");
  }

  /**
   * Parses a cluster file: one {@code [user@]host[:port]} per line; blank lines and text after
   * {@code #} are ignored.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the file, line number and problem
   */
  public static List<NodeAddress> parseClusterFile(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return parseClusterLines(lines, file.toString());
  }

  /** Parses cluster-file lines; {@code source} names them in error messages. */
  public static List<NodeAddress> parseClusterLines(List<String> lines, String source) {
    List<NodeAddress> nodes = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.trim();
      if (line.isEmpty()) {
        continue;
      }
      try {
        nodes.add(parse(line));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(nodes);
  }

  /** The user, or null when the client's default user applies. */
  public String user() {
    return user;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** Whether the port was given (not the default), so that it overrides an ssh_config Port. */
  boolean hasExplicitPort() {
    return explicitPort;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof NodeAddress)) {
      return false;
    }
    NodeAddress n = (NodeAddress) o;
    return port == n.port && host.equals(n.host) && Objects.equals(user, n.user);
  }

  @Override
  public int hashCode() {
    return Objects.hash(user, host, port);
  }

  /** {@code [user@]host:port}, with IPv6 hosts in brackets. */
  @Override
  public String toString() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return (user == null ? "" : user + "@") + h + ":" + port;
  }
}
