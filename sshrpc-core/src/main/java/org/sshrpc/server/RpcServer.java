package org.sshrpc.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.password.PasswordAuthenticator;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.auth.AlgorithmPolicy;
import org.sshrpc.auth.AuthorizedKeysAuthenticator;
import org.sshrpc.auth.HostKeys;

/**
 * An sshrpc server: an SSH server (Apache MINA SSHD) whose only service is the subsystem {@code
 * sshrpc@k2r.org} (alias {@code sshrpc}), answering calls to the exported modules.
 *
 * <pre>{@code
 * RpcServer server = RpcServer.builder()
 *     .listen("127.0.0.1", 2222)
 *     .hostKey(Path.of("host_ed25519"))
 *     .authorizedKeys(Path.of("authorized_keys"))
 *     .module(RpcModule.fromAnnotated(new Inventory()))
 *     .build()
 *     .start();
 * }</pre>
 *
 * <p>Secure by default: public-key authentication only (password authentication only when a
 * {@link Builder#passwordAuthenticator} is given), no shell, exec, pty, SFTP or forwarding, the
 * algorithms of {@link AlgorithmPolicy#defaults()} (AES-GCM first), TCP_NODELAY on.
 */
public final class RpcServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RpcServer.class);
  /** The listen queue length asked of the kernel (capped there by net.core.somaxconn). */
  static final int ACCEPT_BACKLOG = 1024;

  private final RpcService service;
  private final HostKeys hostKeys;
  private final List<InetSocketAddress> listen;
  private final BindingSshServer sshd;
  private final Duration closeTimeout;
  private final ServerLimits limits;
  private final ConnectionGuard guard;

  /** MINA's server, with access to its acceptor so one server can listen on several addresses. */
  private static final class BindingSshServer extends SshServer {
    void bindMore(SocketAddress a) throws IOException {
      IoAcceptor acc = acceptor;
      acc.bind(a);
    }
  }

  private RpcServer(Builder b, RpcService service, HostKeys hostKeys) {
    this.service = service;
    this.hostKeys = hostKeys;
    this.listen = List.copyOf(b.listen.isEmpty() ? List.of(new InetSocketAddress("127.0.0.1", 2222)) : b.listen);
    this.closeTimeout = b.closeTimeout;
    BindingSshServer s = (BindingSshServer) ServerBuilder.builder().factory(BindingSshServer::new).build();
    b.algorithms.applyTo(s);
    // No compression: pre-auth zlib is an inflation-bomb vector and RPC frames gain little.
    s.setCompressionFactories(List.of(BuiltinCompressions.none));
    s.setKeyPairProvider(hostKeys);
    s.setPublickeyAuthenticator(auditing(b.publickey));
    s.setPasswordAuthenticator(b.password == null ? null : auditing(b.password));
    s.setKeyboardInteractiveAuthenticator(null);
    s.setGSSAuthenticator(null);
    s.setHostBasedAuthenticator(null);
    s.setShellFactory(null);
    s.setCommandFactory(null);
    s.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
    // The one configuration: the service's, which the builder's setters and limits(...) filled.
    this.limits = service.limits();
    s.setChannelFactories(List.of(RpcChannelSession.factory(limits.maxChannelsPerSession())));
    s.setSubsystemFactories(RpcSubsystemFactory.both(service));
    CoreModuleProperties.TCP_NODELAY.set(s, true);
    // The listen queue: the JDK's default of 50 overflows when a fleet of clients connects at once
    // and the kernel drops the extra SYNs, which cost a 1 s retransmit each. The kernel caps it at
    // net.core.somaxconn; pre-auth limits (ConnectionGuard) still apply once a connection is accepted.
    CoreModuleProperties.SOCKET_BACKLOG.set(s, ACCEPT_BACKLOG);
    CoreModuleProperties.AUTH_METHODS.set(s, b.password != null ? "publickey,password" : "publickey");
    // The connection-level limits (see ServerLimits and docs/limits.md). MINA's channel cap stays a
    // backstop one above ours: its check fails the whole connection, ours refuses the channel.
    CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(s, limits.maxChannelsPerSession() + 1);
    CoreModuleProperties.MAX_CONCURRENT_SESSIONS.set(s, limits.maxSessionsPerUser());
    CoreModuleProperties.MAX_AUTH_REQUESTS.set(s, limits.maxAuthAttempts());
    CoreModuleProperties.AUTH_TIMEOUT.set(s, limits.authTimeout());
    CoreModuleProperties.IDLE_TIMEOUT.set(s, limits.idleTimeout());
    s.setSessionFactory(new PreAuthGuard(s));
    this.guard = new ConnectionGuard(limits, b.earlyDropRandom);
    s.addSessionListener(guard);
    this.sshd = s;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds every listen address and starts serving.
   *
   * @throws IOException if an address cannot be bound (the server is then closed)
   */
  public RpcServer start() throws IOException {
    InetSocketAddress first = listen.get(0);
    sshd.setHost(first.getHostString());
    sshd.setPort(first.getPort());
    try {
      sshd.start();
      for (InetSocketAddress a : listen.subList(1, listen.size())) {
        sshd.bindMore(a);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
    LOG.info("sshrpc server listening on {} (host key {})", boundAddresses(), hostKeyFingerprint());
    return this;
  }

  /** The addresses actually bound (with real ports when port 0 was asked for), in a stable order. */
  public List<InetSocketAddress> boundAddresses() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (SocketAddress a : sshd.getBoundAddresses()) {
      out.add((InetSocketAddress) a);
    }
    out.sort(Comparator.comparing((InetSocketAddress a) -> a.getAddress().getAddress().length).thenComparing(InetSocketAddress::getPort));
    return out;
  }

  /** The first bound port. */
  public int port() {
    return boundAddresses().get(0).getPort();
  }

  /** The host key's {@code SHA256:...} fingerprint, as {@code ssh-keygen -l} prints it. */
  public String hostKeyFingerprint() {
    return hostKeys.fingerprint();
  }

  /** The host key in use. */
  public HostKeys hostKeys() {
    return hostKeys;
  }

  /** The limits this server enforces: {@link RpcService#limits()} of its service. */
  public ServerLimits limits() {
    return limits;
  }

  /** Connection counters, for tests. */
  ConnectionGuard connectionGuard() {
    return guard;
  }

  /** Audits failed public-key attempts (with the authenticator's reason when it gives one). */
  private static PublickeyAuthenticator auditing(PublickeyAuthenticator a) {
    return (user, key, session) -> {
      boolean ok;
      try {
        ok = a.authenticate(user, key, session);
      } catch (RuntimeException e) {
        AuditLog.authFailed(user, KeyUtils.getFingerPrint(key), session.getClientAddress(), "publickey", "authenticator error: " + e);
        throw e;
      }
      if (!ok) {
        String why = a instanceof AuthorizedKeysAuthenticator ? AuthorizedKeysAuthenticator.lastRefusal(session) : null;
        AuditLog.authFailed(
            user, KeyUtils.getFingerPrint(key), session.getClientAddress(), "publickey", why != null ? why : "key refused");
      }
      return ok;
    };
  }

  /** Audits failed password attempts; the password itself is never logged. */
  private static PasswordAuthenticator auditing(PasswordAuthenticator a) {
    return new PasswordAuthenticator() {
      @Override
      public boolean authenticate(String user, String password, org.apache.sshd.server.session.ServerSession session)
          throws org.apache.sshd.server.auth.password.PasswordChangeRequiredException,
              org.apache.sshd.server.auth.AsyncAuthException {
        boolean ok = a.authenticate(user, password, session);
        if (!ok) {
          AuditLog.authFailed(user, null, session.getClientAddress(), "password", "wrong password");
        }
        return ok;
      }
    };
  }

  /** MINA's server: for tests that inspect server-side sessions and channels. */
  org.apache.sshd.server.SshServer sshd() {
    return sshd;
  }

  /** The transport-independent service behind this server. */
  public RpcService service() {
    return service;
  }

  /**
   * Stops accepting connections, closes open ones (waiting up to the close timeout for them to
   * finish gracefully) and stops the workers.
   */
  @Override
  public void close() {
    try {
      sshd.stop(false);
    } catch (IOException e) {
      LOG.debug("graceful stop failed", e);
    }
    try {
      sshd.close(false).await(closeTimeout);
    } catch (IOException e) {
      LOG.debug("close interrupted", e);
    }
    if (sshd.isOpen()) {
      try {
        sshd.stop(true);
      } catch (IOException e) {
        LOG.debug("stop failed", e);
      }
    }
    service.close();
  }

  /** A builder of {@link RpcServer}. A host key and an authenticator are required. */
  public static final class Builder {
    private final List<InetSocketAddress> listen = new ArrayList<>();
    private Path hostKey;
    private Path hostCertificate;
    private PublickeyAuthenticator publickey;
    private PasswordAuthenticator password;
    private AlgorithmPolicy algorithms = AlgorithmPolicy.defaults();
    private Duration closeTimeout = Duration.ofSeconds(5);
    private java.util.random.RandomGenerator earlyDropRandom;
    private final RpcService.Builder service = RpcService.builder();

    private Builder() {}

    /** Adds a listen address; port 0 picks a free port. Default: 127.0.0.1:2222. */
    public Builder listen(String host, int port) {
      listen.add(new InetSocketAddress(host, port));
      return this;
    }

    public Builder listen(InetSocketAddress address) {
      listen.add(Objects.requireNonNull(address, "address"));
      return this;
    }

    /** The ed25519 host key file, generated (mode 0600) on first start and reused afterwards. */
    public Builder hostKey(Path file) {
      this.hostKey = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * An OpenSSH host certificate for the host key ({@code ssh-keygen -s CA -h -n NAMES
     * host_ed25519.pub}), presented to clients that ask for one, so that a fleet is trusted
     * through one {@code @cert-authority} known_hosts line. Checked when built: it must certify
     * this host key and be valid now. Default: none.
     */
    public Builder hostCertificate(Path file) {
      this.hostCertificate = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * An OpenSSH authorized_keys file (re-read when it changes); users are bound to keys as
     * {@link AuthorizedKeysAuthenticator} documents.
     */
    public Builder authorizedKeys(Path file) {
      this.publickey = AuthorizedKeysAuthenticator.of(file);
      return this;
    }

    /** A custom public-key authenticator instead of an authorized_keys file. */
    public Builder publickeyAuthenticator(PublickeyAuthenticator a) {
      this.publickey = Objects.requireNonNull(a, "authenticator");
      return this;
    }

    /** Enables password authentication with this authenticator. Off unless called. */
    public Builder passwordAuthenticator(PasswordAuthenticator a) {
      this.password = Objects.requireNonNull(a, "authenticator");
      return this;
    }

    /** The SSH algorithms offered. Default {@link AlgorithmPolicy#defaults()}. */
    public Builder algorithms(AlgorithmPolicy p) {
      this.algorithms = Objects.requireNonNull(p, "algorithms");
      return this;
    }

    /**
     * The resource limits and pool sizes, all of them. Default {@link ServerLimits#DEFAULT}.
     * Replaces what the setters of single limits ({@link #maxFrameLength}, {@link #maxInFlight},
     * {@link #maxOutboundBytes}, {@link #memoryBudget}, …) set before it; those called after it
     * change its values. {@link RpcServer#limits()} reports the result, which is what is enforced.
     */
    public Builder limits(ServerLimits l) {
      service.limits(Objects.requireNonNull(l, "limits"));
      return this;
    }

    public Builder policy(AccessPolicy p) {
      service.policy(p);
      return this;
    }

    public Builder policy(PolicySource p) {
      service.policy(p);
      return this;
    }

    /** A policy file, re-read when it changes. */
    public Builder policyFile(Path file) throws IOException {
      service.policy(PolicySource.watching(file));
      return this;
    }

    public Builder module(RpcModule m) {
      service.module(m);
      return this;
    }

    public Builder modules(Collection<RpcModule> ms) {
      service.modules(ms);
      return this;
    }

    public Builder nodeName(String name) {
      service.nodeName(name);
      return this;
    }

    public Builder executorThreads(int n) {
      service.executorThreads(n);
      return this;
    }

    public Builder maxFrameLength(int n) {
      service.maxFrameLength(n);
      return this;
    }

    /** See {@link RpcService.Builder#memoryBudget(long, long, long)}. */
    public Builder memoryBudget(long node, long perUser, long perConnection) {
      service.memoryBudget(node, perUser, perConnection);
      return this;
    }

    /** See {@link RpcService.Builder#maxWorkersPerUser(int)}. */
    public Builder maxWorkersPerUser(int n) {
      service.maxWorkersPerUser(n);
      return this;
    }

    public Builder maxInFlight(int n) {
      service.maxInFlight(n);
      return this;
    }

    public Builder maxOutboundBytes(long n) {
      service.maxOutboundBytes(n);
      return this;
    }

    public Builder defaultCallTimeout(Duration d) {
      service.defaultCallTimeout(d);
      return this;
    }

    public Builder builtins(boolean on) {
      service.builtins(on);
      return this;
    }

    /**
     * Records metrics and exports {@code sshrpc_metrics:scrape/0}, callable only through a policy
     * rule that names the module. Default: none. See {@link Metrics}.
     */
    public Builder metrics(Metrics metrics) {
      service.metrics(metrics);
      return this;
    }

    /**
     * Adds an interceptor run around every call to an exported function; the first added runs
     * outermost. See {@link ServerInterceptor}.
     *
     * @param interceptor the interceptor
     * @return this builder
     */
    public Builder interceptor(ServerInterceptor interceptor) {
      service.interceptor(interceptor);
      return this;
    }

    /**
     * The random source of the early drop ({@link ServerLimits#maxStartupsStart()}), for tests
     * (a seeded {@link java.util.Random}); default {@link java.util.concurrent.ThreadLocalRandom}.
     */
    Builder earlyDropRandom(java.util.random.RandomGenerator r) {
      this.earlyDropRandom = Objects.requireNonNull(r, "random");
      return this;
    }

    /** How long {@link RpcServer#close()} waits for connections to close gracefully. Default 5 s. */
    public Builder closeTimeout(Duration d) {
      this.closeTimeout = Objects.requireNonNull(d, "closeTimeout");
      return this;
    }

    /**
     * Loads (or generates) the host key and builds the server; call {@link RpcServer#start()}.
     *
     * @throws IOException if the host key cannot be read or written
     * @throws IllegalStateException if no host key or no authenticator was given
     */
    public RpcServer build() throws IOException {
      if (hostKey == null) {
        throw new IllegalStateException("hostKey(...) is required");
      }
      if (publickey == null && password == null) {
        throw new IllegalStateException("authorizedKeys(...) or an authenticator is required");
      }
      HostKeys keys = HostKeys.loadOrGenerate(hostKey);
      org.apache.sshd.common.keyprovider.HostKeyCertificateProvider cert =
          hostCertificate == null ? null : keys.certificate(hostCertificate);
      if (publickey == null) {
        publickey = (user, key, session) -> false;
      }
      RpcServer server = new RpcServer(this, service.build(), keys);
      if (cert != null) {
        server.sshd.setHostKeyCertificateProvider(cert);
      }
      return server;
    }
  }
}
