package org.sshrpc.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a client connects to: one node, or a fleet of replicas named once. Immutable; parsed with
 * {@link #parse(String)} from one of
 *
 * <ul>
 *   <li>{@code [user@]host[:port]}: one node ({@link NodeAddress});
 *   <li>{@code dns:///[user@]name[:port]}: every A and AAAA address of {@code name} is a replica on
 *       {@code port} (default 2222);
 *   <li>{@code srv:///[user@]_sshrpc._tcp.name}: the SRV records of that name give each replica's
 *       host and port, priority and weight (RFC 2782);
 *   <li>{@code static:///a:2222,b:2222} or just {@code a:2222,b:2222}: a fixed list.
 * </ul>
 *
 * As in gRPC's target syntax, {@code dns://SERVER[:PORT]/name} asks that DNS server instead of
 * the configured or system one. DNS targets are looked up with sshrpc's own small resolver, which
 * reports TTLs (the JDK's does not): names are used as given (fully qualified; no search list).
 */
public final class Target {
  /** What kind of target this is. */
  public enum Kind {
    /** One node. */
    NODE,
    /** A fixed list of nodes. */
    STATIC,
    /** The A/AAAA records of a name, all on one port. */
    DNS,
    /** The SRV records of a name. */
    SRV
  }

  /** Most SRV targets whose addresses are looked up for one resolution. */
  static final int MAX_SRV_TARGETS = 64;
  /** Most replicas one resolution yields; the rest are ignored (and logged by the fleet). */
  static final int MAX_REPLICAS = 256;
  private static final int MAX_CNAME_HOPS = 8;

  private final Kind kind;
  private final String text;
  private final String user;
  private final String name;
  private final int port;
  private final InetSocketAddress dnsServer;
  private final List<NodeAddress> nodes;

  private Target(Kind kind, String text, String user, String name, int port, InetSocketAddress dnsServer, List<NodeAddress> nodes) {
    this.kind = kind;
    this.text = text;
    this.user = user;
    this.name = name;
    this.port = port;
    this.dnsServer = dnsServer;
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Parses a target (see the class comment).
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static Target parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.trim();
    int scheme = s.indexOf("://");
    if (scheme < 0) {
      if (s.indexOf(',') >= 0) {
        return staticList(text, s);
      }
      NodeAddress n = NodeAddress.parse(s);
      return new Target(Kind.NODE, text, n.user(), n.host(), n.port(), null, List.of(n));
    }
    String sch = s.substring(0, scheme);
    String rest = s.substring(scheme + 3);
    int slash = rest.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("target " + text + ": expected " + sch + ":///name or " + sch + "://dnsserver/name");
    }
    String authority = rest.substring(0, slash);
    String path = rest.substring(slash + 1);
    switch (sch) {
      case "static":
        if (!authority.isEmpty()) {
          throw new IllegalArgumentException("target " + text + ": a static list has no authority (expected: static:///a:2222,b:2222)");
        }
        return staticList(text, path);
      case "dns":
      case "srv":
        InetSocketAddress server = authority.isEmpty() ? null : resolverAddress(authority, 53);
        String user = null;
        int at = path.lastIndexOf('@');
        if (at >= 0) {
          user = path.substring(0, at);
          path = path.substring(at + 1);
          if (user.isEmpty()) {
            throw new IllegalArgumentException("target " + text + ": empty user");
          }
        }
        if (sch.equals("srv")) {
          checkName(path, text);
          if (!path.startsWith("_")) {
            throw new IllegalArgumentException("target " + text + ": an SRV name starts with the service, e.g. srv:///_sshrpc._tcp." + path);
          }
          return new Target(Kind.SRV, text, user, DnsMessage.normalize(path), 0, server, List.of());
        }
        NodeAddress hp;
        try {
          hp = NodeAddress.parse(path);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("target " + text + ": " + e.getMessage(), e);
        }
        checkName(hp.host(), text);
        return new Target(Kind.DNS, text, user, DnsMessage.normalize(hp.host()), hp.port(), server, List.of());
      default:
        throw new IllegalArgumentException("target " + text + ": unknown scheme '" + sch + "' (expected: dns, srv or static)");
    }
  }

  private static Target staticList(String text, String list) {
    List<NodeAddress> nodes = new ArrayList<>();
    for (String part : list.split(",")) {
      if (part.isBlank()) {
        throw new IllegalArgumentException("target " + text + ": empty entry in the list");
      }
      nodes.add(NodeAddress.parse(part.trim()));
    }
    return new Target(Kind.STATIC, text, null, null, 0, null, nodes);
  }

  private static void checkName(String name, String text) {
    try {
      DnsMessage.encodeName(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("target " + text + ": " + e.getMessage(), e);
    }
    if (name.isEmpty() || name.equals(".")) {
      throw new IllegalArgumentException("target " + text + ": empty name");
    }
  }

  /**
   * Parses {@code HOST[:PORT]} naming a DNS server (an IP literal, IPv6 in brackets; default port
   * 53), as {@code --resolver} takes it. A name is refused: finding the resolver must not need one.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static InetSocketAddress resolverAddress(String text, int defaultPort) {
    NodeAddress a;
    try {
      String t = text.trim();
      // NodeAddress's default port is sshrpc's; put the DNS one in when none is given.
      boolean hasPort = t.startsWith("[") ? t.contains("]:") : t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':');
      a = NodeAddress.parse(hasPort ? t : (t.indexOf(':') >= 0 && !t.startsWith("[") ? "[" + t + "]" : t) + ":" + defaultPort);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("resolver " + text + ": " + e.getMessage() + " (expected: IP[:PORT])", e);
    }
    if (a.user() != null || !a.host().matches("[0-9a-fA-F:.]+")) {
      throw new IllegalArgumentException("resolver " + text + ": not an IP address (expected: IP[:PORT])");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(a.host()), a.port());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("resolver " + text + ": not an IP address (expected: IP[:PORT])", e);
    }
  }

  public Kind kind() {
    return kind;
  }

  /** True for a single {@code [user@]host[:port]}. */
  public boolean isSingleNode() {
    return kind == Kind.NODE;
  }

  /** The nodes of a {@link Kind#NODE} or {@link Kind#STATIC} target; empty for DNS targets. */
  public List<NodeAddress> nodes() {
    return nodes;
  }

  /** The DNS name looked up, or null for a node or static target. */
  public String dnsName() {
    return kind == Kind.DNS || kind == Kind.SRV ? name : null;
  }

  /** The DNS server named in the target ({@code dns://SERVER/...}), or null. */
  public InetSocketAddress dnsServer() {
    return dnsServer;
  }

  /**
   * The replicas this target names now, looked up once: for multicall and one-off tools. {@code
   * resolver} is the DNS server to ask (null: the one in the target, else the system's).
   *
   * @throws IOException if the lookup fails; the message names the server and the question
   */
  public List<NodeAddress> resolve(InetSocketAddress resolver) throws IOException {
    List<NodeAddress> out = new ArrayList<>();
    for (Endpoint e : resolve(dnsClient(resolver, Duration.ofSeconds(2), 2)).endpoints) {
      out.add(e.address);
    }
    return out;
  }

  /** The DNS client for this target: its own server, else {@code resolver}, else the system's (null if none). */
  DnsClient dnsClient(InetSocketAddress resolver, Duration timeout, int attempts) {
    InetSocketAddress s = dnsServer != null ? dnsServer : resolver;
    if (s == null) {
      s = DnsClient.systemServer(Path.of("/etc/resolv.conf"));
    }
    return s == null ? null : new DnsClient(s, timeout, attempts);
  }

  /** One replica as resolved: where, and its SRV priority and weight (0 and 1 otherwise). */
  static final class Endpoint {
    final NodeAddress address;
    final int priority;
    final int weight;

    Endpoint(NodeAddress address, int priority, int weight) {
      this.address = address;
      this.priority = priority;
      this.weight = weight;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Endpoint
          && ((Endpoint) o).address.equals(address)
          && ((Endpoint) o).priority == priority
          && ((Endpoint) o).weight == weight;
    }

    @Override
    public int hashCode() {
      return Objects.hash(address, priority, weight);
    }

    @Override
    public String toString() {
      return address + (priority != 0 || weight != 1 ? " (priority " + priority + ", weight " + weight + ")" : "");
    }
  }

  /** The outcome of one resolution: the replicas, and how long it may be trusted (-1: unknown). */
  static final class Resolution {
    final List<Endpoint> endpoints;
    final long ttlSeconds;

    Resolution(List<Endpoint> endpoints, long ttlSeconds) {
      this.endpoints = List.copyOf(endpoints);
      this.ttlSeconds = ttlSeconds;
    }
  }

  /**
   * Resolves this target with {@code dns} (null: the JDK's resolver for {@code dns:} targets, and
   * a failure for {@code srv:} ones, which it cannot look up).
   */
  Resolution resolve(DnsClient dns) throws IOException {
    switch (kind) {
      case NODE:
      case STATIC:
        List<Endpoint> fixed = new ArrayList<>();
        for (NodeAddress n : nodes) {
          fixed.add(new Endpoint(n, 0, 1));
        }
        return new Resolution(cap(fixed), -1);
      case DNS:
        if (dns == null) {
          List<Endpoint> jdk = new ArrayList<>();
          for (InetAddress a : InetAddress.getAllByName(name)) {
            jdk.add(new Endpoint(NodeAddress.of(user, a.getHostAddress(), port), 0, 1));
          }
          return new Resolution(jdk, -1);
        }
        long[] ttl = {Long.MAX_VALUE};
        List<Endpoint> out = new ArrayList<>();
        for (InetAddress a : addresses(dns, name, ttl, null)) {
          out.add(new Endpoint(NodeAddress.of(user, a.getHostAddress(), port), 0, 1));
        }
        if (out.isEmpty()) {
          throw new IOException("DNS name " + name + " has no A or AAAA records (asked " + DnsClient.hostPort(dns.server()) + ")");
        }
        return new Resolution(cap(out), ttl[0] == Long.MAX_VALUE ? -1 : ttl[0]);
      case SRV:
      default:
        if (dns == null) {
          throw new IOException("cannot look up " + name + " SRV: no DNS server (none in /etc/resolv.conf; give a resolver)");
        }
        return srv(dns);
    }
  }

  private Resolution srv(DnsClient dns) throws IOException {
    List<DnsMessage.Record> recs = dns.query(name, DnsMessage.TYPE_SRV);
    long[] ttl = {Long.MAX_VALUE};
    Set<String> names = chain(recs, name, ttl);
    List<DnsMessage.Record> srvs = new ArrayList<>();
    for (DnsMessage.Record r : recs) {
      if (r.type == DnsMessage.TYPE_SRV && names.contains(r.name)) {
        srvs.add(r);
        ttl[0] = Math.min(ttl[0], r.ttlSeconds);
      }
    }
    // RFC 2782: a single record with target "." means the service is decidedly not available.
    if (srvs.isEmpty() || srvs.size() == 1 && srvs.get(0).target.isEmpty()) {
      throw new IOException("DNS name " + name + " has no SRV records (asked " + DnsClient.hostPort(dns.server()) + ")");
    }
    if (srvs.size() > MAX_SRV_TARGETS) {
      srvs = srvs.subList(0, MAX_SRV_TARGETS);
    }
    List<Endpoint> out = new ArrayList<>();
    IOException firstFailure = null;
    for (DnsMessage.Record s : srvs) {
      if (s.target.isEmpty() || s.port == 0) {
        continue;
      }
      List<InetAddress> addrs;
      try {
        addrs = addresses(dns, s.target, ttl, recs);
      } catch (IOException e) {
        firstFailure = firstFailure == null ? e : firstFailure;
        continue; // one target that does not resolve leaves the others usable
      }
      for (InetAddress a : addrs) {
        out.add(new Endpoint(NodeAddress.of(user, a.getHostAddress(), s.port), s.priority, s.weight));
      }
    }
    if (out.isEmpty()) {
      throw firstFailure != null ? firstFailure
          : new IOException("no SRV target of " + name + " has an address (asked " + DnsClient.hostPort(dns.server()) + ")");
    }
    return new Resolution(cap(out), ttl[0]);
  }

  /**
   * The A and AAAA addresses of {@code host}: from {@code additional} records when they hold
   * some (an SRV answer usually carries them), else asked for. Lowers {@code ttl[0]} to the
   * smallest TTL used.
   */
  private static List<InetAddress> addresses(DnsClient dns, String host, long[] ttl, List<DnsMessage.Record> additional)
      throws IOException {
    Set<InetAddress> out = new LinkedHashSet<>();
    if (additional != null) {
      Set<String> names = chain(additional, host, ttl);
      for (DnsMessage.Record r : additional) {
        if (r.address != null && names.contains(r.name)) {
          out.add(r.address);
          ttl[0] = Math.min(ttl[0], r.ttlSeconds);
        }
      }
      if (!out.isEmpty()) {
        return new ArrayList<>(out);
      }
    }
    IOException failure = null;
    for (int type : new int[] {DnsMessage.TYPE_A, DnsMessage.TYPE_AAAA}) {
      List<DnsMessage.Record> recs;
      try {
        recs = dns.query(host, type);
      } catch (DnsClient.RcodeException e) {
        // Some servers refuse or fail one type (dnsmasq without upstream refuses AAAA for a name
        // it only has A records for): the other type's addresses still count. A server that does
        // not answer at all is not asked again.
        failure = failure == null ? e : failure;
        continue;
      }
      Set<String> names = chain(recs, host, ttl);
      for (DnsMessage.Record r : recs) {
        if (r.type == type && names.contains(r.name)) {
          out.add(r.address);
          ttl[0] = Math.min(ttl[0], r.ttlSeconds);
        }
      }
    }
    if (out.isEmpty() && failure != null) {
      throw failure;
    }
    return new ArrayList<>(out);
  }

  /** {@code name} and the names its CNAME records in {@code recs} lead to (a bounded chain). */
  private static Set<String> chain(List<DnsMessage.Record> recs, String name, long[] ttl) {
    Set<String> names = new LinkedHashSet<>();
    names.add(DnsMessage.normalize(name));
    for (int hop = 0; hop < MAX_CNAME_HOPS; hop++) {
      boolean grew = false;
      for (DnsMessage.Record r : recs) {
        if (r.type == DnsMessage.TYPE_CNAME && names.contains(r.name) && names.add(r.target)) {
          ttl[0] = Math.min(ttl[0], r.ttlSeconds);
          grew = true;
        }
      }
      if (!grew) {
        break;
      }
    }
    return names;
  }

  private static List<Endpoint> cap(List<Endpoint> eps) {
    Map<NodeAddress, Endpoint> unique = new LinkedHashMap<>();
    for (Endpoint e : eps) {
      unique.putIfAbsent(e.address, e);
    }
    List<Endpoint> out = new ArrayList<>(unique.values());
    return out.size() > MAX_REPLICAS ? out.subList(0, MAX_REPLICAS) : out;
  }

  /** The target as given. */
  @Override
  public String toString() {
    return text.trim();
  }
}
