package org.sshrpc.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.auth.AlgorithmPolicy;
import org.sshrpc.auth.Identities;
import org.sshrpc.auth.KnownHosts;
import org.sshrpc.auth.KnownHostsException;
import org.sshrpc.internal.NamedThreadFactory;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermLimits;

/**
 * The sshrpc client: connects to sshrpc nodes over SSH and makes calls on them. Owns one MINA
 * {@code SshClient} and its threads; immutable and thread-safe once built; close it when done.
 *
 * <pre>{@code
 * try (RpcClient client = RpcClient.builder().identity(Path.of("id_ed25519")).build();
 *     RpcConnection conn = client.connect("alice@db1:2222")) {
 *   Term seq = conn.call("lists", "seq", Terms.integer(1), Terms.integer(100));
 * }
 * }</pre>
 *
 * <p>Secure by default: host keys are checked against {@code ~/.ssh/known_hosts} strictly (an
 * unknown or changed key refuses the connection), only public-key authentication is used, and
 * private key files readable by others are refused. {@code ~/.ssh/config} is read only when
 * {@link Builder#sshConfig(Path)} names it, and an ssh-agent is used only when {@link
 * Builder#identityAgent(Path)} names its socket.
 */
public final class RpcClient implements AutoCloseable {
  private final SshClient ssh;
  private final ClientRuntime rt;
  private final List<Path> identityFiles;
  private final List<Path> defaultIdentityFiles;
  private final List<KeyPair> explicitKeys;
  private final SshConfig sshConfig; // never null: options only when no file
  private final Path identityAgent; // null: no agent unless the ssh config names one
  private final Path knownHosts;
  private final boolean acceptNewHostKeys;
  private final Map<Path, List<KeyPair>> loadedKeyFiles = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, org.apache.sshd.client.keyverifier.ServerKeyVerifier> verifiers =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final PassphraseSource passphrases;
  private final Duration connectTimeout;
  private final String defaultUser;
  private final java.net.InetAddress bindAddress;
  private final ReconnectPolicy reconnectPolicy;
  private final ExecutorService ownedCallbackExecutor;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ExecutorService multicallExecutor;
  private final InterceptorChain interceptorChain;

  private RpcClient(Builder b) {
    this.identityFiles = List.copyOf(b.identityFiles);
    this.defaultIdentityFiles = List.copyOf(b.defaultIdentityFiles);
    this.explicitKeys = List.copyOf(b.keyPairs);
    this.sshConfig = SshConfig.of(b.sshConfigFile, b.sshOptions);
    this.identityAgent = b.identityAgent;
    this.knownHosts = b.knownHosts;
    this.acceptNewHostKeys = b.acceptNewHostKeys;
    this.passphrases = b.passphrases;
    this.connectTimeout = b.connectTimeout;
    this.defaultUser = b.defaultUser;
    this.bindAddress = b.bindAddress;
    this.reconnectPolicy = b.reconnectPolicy;
    this.interceptorChain = new InterceptorChain(b.interceptors, b.defaultDeadline);
    this.scheduler = new ScheduledThreadPoolExecutor(1, daemon("sshrpc-timer"));
    scheduler.setRemoveOnCancelPolicy(true);
    Executor callbacks = b.callbackExecutor;
    if (callbacks == null) {
      ownedCallbackExecutor =
          Executors.newFixedThreadPool(
              Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("sshrpc-callback"));
      callbacks = ownedCallbackExecutor;
    } else {
      ownedCallbackExecutor = null;
    }
    this.multicallExecutor = Executors.newCachedThreadPool(daemon("sshrpc-multicall"));
    this.rt =
        new ClientRuntime(
            callbacks,
            scheduler,
            new Codec(b.termLimits),
            b.maxFrameLength,
            b.maxProtocolVersion,
            b.connectTimeout,
            b.serverDeadlineGrace.toNanos());

    SshClient c = SshClient.setUpDefaultClient();
    // The known_hosts file and policy of each session (the ssh config may name them per host).
    c.setServerKeyVerifier(
        (session, remote, key) -> {
          org.apache.sshd.client.keyverifier.ServerKeyVerifier v =
              session.getConnectionContext() == null ? null : session.getConnectionContext().getAttribute(VERIFIER);
          return v != null && v.verifyServerKey(session, remote, key);
        });
    // Host settings are resolved by this client (SshConfig) before MINA connects; identities
    // are the session's plan (AuthPlan), agent keys through AuthPlan's agent factory.
    c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    c.setAgentFactory(AuthPlan.FACTORY);
    c.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
    CoreModuleProperties.TCP_NODELAY.set(c, true);
    b.algorithmPolicy.applyTo(c);
    if (KnownHosts.hasCertificateAuthorities(b.knownHosts)) {
      // As OpenSSH does for hosts with @cert-authority lines: ask for host certificates first.
      // Only then, since a server that has a certificate presents it when asked, and a
      // certificate never matches a plain known_hosts entry.
      c.setSignatureFactories(KnownHosts.certificatesFirst(c.getSignatureFactories()));
    }
    c.start();
    this.ssh = c;
  }

  /** The interceptors and default deadline every connection applies to its calls. */
  InterceptorChain interceptorChain() {
    return interceptorChain;
  }

  /** A builder with secure defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Connects to {@code [user@]host[:port]} (default port 2222; IPv6 literals in brackets),
   * authenticates, opens the sshrpc channel and negotiates the protocol version.
   *
   * @throws KnownHostsException if the host key is unknown, changed or revoked
   * @throws IOException if the node cannot be reached, authentication fails or the subsystem
   *     cannot be opened; the message names the cause
   * @throws IllegalArgumentException if {@code target} is not a node address
   */
  public RpcConnection connect(String target) throws IOException {
    return connect(NodeAddress.parse(target));
  }

  /** Connects to {@code node}; see {@link #connect(String)}. */
  public RpcConnection connect(NodeAddress node) throws IOException {
    return RealRpcConnection.open(this, node, reconnectPolicy);
  }

  /**
   * Calls {@code m:f(args)} on every node in parallel, as Erlang's {@code rpc:multicall}: each
   * node gets its own connection, and a node that is down or slow does not delay the result
   * beyond {@code timeout}.
   *
   * @param nodes node addresses, {@code [user@]host[:port]}
   */
  public MulticallResult multicall(
      List<String> nodes, String m, String f, List<? extends Term> args, Duration timeout) {
    List<NodeAddress> parsed = new ArrayList<>();
    for (String n : nodes) {
      parsed.add(NodeAddress.parse(n));
    }
    return multicallNodes(parsed, m, f, args, timeout);
  }

  /** {@link #multicall} with parsed addresses (e.g. from {@link NodeAddress#parseClusterFile}). */
  public MulticallResult multicallNodes(
      List<NodeAddress> nodes, String m, String f, List<? extends Term> args, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Term> argsCopy = List.copyOf(args);
    Map<NodeAddress, CompletableFuture<Term>> futures = new LinkedHashMap<>();
    for (NodeAddress node : nodes) {
      CompletableFuture<Term> fut = new CompletableFuture<>();
      futures.put(node, fut);
      multicallExecutor.execute(
          () -> {
            try (RpcConnection c = RealRpcConnection.open(this, node, ReconnectPolicy.NEVER, deadline)) {
              fut.complete(c.call(m, f, argsCopy, CallOptions.DEFAULT.withDeadlineNanos(deadline)));
            } catch (Throwable t) {
              fut.completeExceptionally(t);
            }
          });
    }
    Map<NodeAddress, Term> values = new LinkedHashMap<>();
    Map<NodeAddress, RpcException> errors = new LinkedHashMap<>();
    Map<NodeAddress, RpcException> bad = new LinkedHashMap<>();
    for (Map.Entry<NodeAddress, CompletableFuture<Term>> e : futures.entrySet()) {
      NodeAddress node = e.getKey();
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        values.put(node, e.getValue().get(left, TimeUnit.NANOSECONDS));
      } catch (TimeoutException ex) {
        bad.put(node, new RpcException(Status.DEADLINE_EXCEEDED, node + " did not answer within " + timeout, null));
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        bad.put(node, new RpcException(Status.CANCELLED, "interrupted", null));
      } catch (ExecutionException ex) {
        Throwable c = ex.getCause();
        if (c instanceof RpcException
            && ((RpcException) c).status() != Status.UNAVAILABLE
            && ((RpcException) c).status() != Status.DEADLINE_EXCEEDED) {
          errors.put(node, (RpcException) c);
        } else if (c instanceof RpcException) {
          bad.put(node, (RpcException) c);
        } else {
          bad.put(node, Replies.unavailable(node + ": " + c.getMessage(), c));
        }
      }
    }
    return new MulticallResult(values, errors, bad);
  }

  /** Closes every connection and stops the client's threads. */
  @Override
  public void close() {
    try {
      ssh.stop();
    } finally {
      scheduler.shutdownNow();
      multicallExecutor.shutdownNow();
      if (ownedCallbackExecutor != null) {
        ownedCallbackExecutor.shutdown();
      }
    }
  }

  // ---------------------------------------------------------------- package-private

  ClientRuntime runtime() {
    return rt;
  }

  Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * Connects, verifies the host key and authenticates, before {@code deadlineNanos}.
   */
  ClientSession openSession(NodeAddress node, long deadlineNanos) throws IOException {
    // A server shedding handshakes (OpenSSH's MaxStartups random early drop, sshrpc's too)
    // closes the connection on accept, before its version line: a refusal meant to be retried.
    // Retry those, with a growing jittered pause, until the connect deadline; anything else
    // (a key or host key refused, a server that spoke and then failed) is not retried.
    long pauseMs = 20;
    while (true) {
      try {
        return openSessionOnce(node, deadlineNanos);
      } catch (RefusedBeforeVersion e) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        long pause = pauseMs / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(pauseMs / 2 + 1);
        if (left <= pause) {
          throw e.failure;
        }
        try {
          Thread.sleep(pause);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e.failure;
        }
        pauseMs = Math.min(1000, pauseMs * 2);
      }
    }
  }

  /** The same failure however MINA noticed the close: on connect, or while waiting for the kex. */
  private static RefusedBeforeVersion refusedBeforeVersion(NodeAddress node, Throwable e) {
    return new RefusedBeforeVersion(new IOException(
        "connection to " + node + " closed by the server before its version line (refused: too many"
            + " connections in handshake, or not an SSH server): " + rootMessage(e), e));
  }

  /** Whether MINA reports a TCP connection that the peer closed before any SSH session began. */
  private static boolean closedOnAccept(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.apache.sshd.common.session.helpers.MissingAttachedSessionException) {
        return true;
      }
    }
    return false;
  }

  /** The server closed the connection before sending its version line; {@code failure} says so. */
  private static final class RefusedBeforeVersion extends Exception {
    private static final long serialVersionUID = 1L;
    final IOException failure;

    RefusedBeforeVersion(IOException failure) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
    }
  }

  /** The per-session known_hosts verifier, in the session's connection context. */
  static final org.apache.sshd.common.AttributeRepository.AttributeKey<org.apache.sshd.client.keyverifier.ServerKeyVerifier>
      VERIFIER = new org.apache.sshd.common.AttributeRepository.AttributeKey<>();

  private ClientSession openSessionOnce(NodeAddress node, long deadlineNanos) throws IOException, RefusedBeforeVersion {
    SshConfig.Target t = sshConfig.resolve(node, defaultUser);
    if (t.connectTimeout() != null) {
      long byConfig = System.nanoTime() + t.connectTimeout().toNanos();
      if (byConfig - deadlineNanos < 0) {
        deadlineNanos = byConfig;
      }
    }
    String user = t.user();
    String where = "host " + t.hostName() + " port " + t.port();
    AuthPlan plan = plan(t);
    Map<org.apache.sshd.common.AttributeRepository.AttributeKey<?>, Object> ctx = new java.util.HashMap<>();
    ctx.put(AuthPlan.KEY, plan);
    ctx.put(VERIFIER, verifier(t));
    try {
      // Resolved here first for ssh's message; MINA resolves again (from the JVM's cache).
      java.net.InetAddress.getAllByName(t.hostName());
    } catch (java.net.UnknownHostException e) {
      String m = e.getMessage() == null ? "" : e.getMessage();
      String why = m.startsWith(t.hostName() + ": ") ? m.substring(t.hostName().length() + 2) : "Name or service not known";
      throw new java.net.UnknownHostException("Could not resolve hostname " + t.hostName() + ": " + why);
    }
    ClientSession s;
    try {
      ConnectFuture cf =
          ssh.connect(
              user,
              t.hostName(),
              t.port(),
              org.apache.sshd.common.AttributeRepository.ofAttributesMap(ctx),
              bindAddress == null ? null : new java.net.InetSocketAddress(bindAddress, 0));
      long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (ms <= 0) {
        throw new IOException("connect to " + where + ": Connection timed out");
      }
      try {
        s = cf.verify(ms).getClientSession();
      } catch (IOException e) {
        if (!cf.isDone()) {
          cf.cancel();
          throw new java.net.SocketTimeoutException("connect to " + where + ": Connection timed out");
        }
        throw e;
      }
    } catch (java.net.SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      if (closedOnAccept(e)) {
        throw refusedBeforeVersion(node, e);
      }
      throw new IOException("connect to " + where + ": " + socketReason(e), e);
    }
    try {
      long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (ms <= 0) {
        throw new IOException("timeout");
      }
      for (KeyPair kp : plan.fileKeys) {
        s.addPublicKeyIdentity(kp);
      }
      s.auth().verify(ms);
      return s;
    } catch (IOException | RuntimeException e) {
      KnownHostsException hk = KnownHosts.failure(s);
      boolean spoke = s.getServerVersion() != null;
      String stage = stage(s);
      s.close(true);
      if (hk != null) {
        throw hk;
      }
      if (deadlineNanos - System.nanoTime() <= 0) {
        throw new java.net.SocketTimeoutException(
            "Connection to " + where + " timed out during " + stage);
      }
      if (!spoke) {
        throw refusedBeforeVersion(node, e);
      }
      if (isNoMoreMethods(e)) {
        String tried =
            plan.offered.isEmpty()
                ? "no key (no identity file given, none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists, no ssh-agent key)"
                : String.join(", ", plan.offered);
        throw new IOException(user + "@" + t.hostName() + ": Permission denied (publickey); tried: " + tried, e);
      }
      throw new IOException("Connection to " + where + " failed during " + stage + ": " + rootMessage(e), e);
    }
  }

  /** The step a session was in: what ssh names in "timed out during ...". */
  private static String stage(ClientSession s) {
    if (s.getServerVersion() == null) {
      return "banner exchange";
    }
    if (s instanceof org.apache.sshd.common.session.helpers.AbstractSession
        && ((org.apache.sshd.common.session.helpers.AbstractSession) s).getKexState()
            != org.apache.sshd.common.kex.KexState.DONE) {
      return "key exchange";
    }
    if (!s.isAuthenticated()) {
      return "authentication";
    }
    return "session set-up";
  }

  private static boolean isNoMoreMethods(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("No more authentication methods available")) {
        return true;
      }
    }
    return false;
  }

  /** The system's words for a failed TCP connect ("Connection refused"), without MINA's wrapping. */
  private static String socketReason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException) {
      String m = t.getMessage() == null ? "Connection refused" : t.getMessage();
      int paren = m.indexOf(" (");
      return paren > 0 ? m.substring(0, paren) : m; // "Connection refused (Connection refused)"
    }
    return rootMessage(e);
  }

  /** The verifier for the target's known_hosts file and checking mode, one per distinct pair. */
  private org.apache.sshd.client.keyverifier.ServerKeyVerifier verifier(SshConfig.Target t) {
    Path file = t.knownHosts() != null ? t.knownHosts() : knownHosts;
    boolean acceptNew;
    if (t.strictHostKeyChecking() == null) {
      acceptNew = acceptNewHostKeys;
    } else {
      // "ask" cannot ask anyone here: it refuses, as "yes" does. "no" records new hosts like
      // accept-new but, unlike ssh, still refuses a changed key.
      acceptNew = !List.of("yes", "ask").contains(t.strictHostKeyChecking());
    }
    boolean hash = t.hashKnownHosts();
    return verifiers.computeIfAbsent(
        file + "\0" + acceptNew + "\0" + hash, k -> KnownHosts.verifier(file, acceptNew, hash));
  }

  /** The keys to offer to {@code t}, files read (and passphrases asked) once per client. */
  private AuthPlan plan(SshConfig.Target t) throws IOException {
    List<AuthPlan.IdentityFile> files = new ArrayList<>();
    for (Path p : identityFiles) {
      files.add(new AuthPlan.IdentityFile(p, true));
    }
    for (Path p : t.identityFiles()) {
      files.add(new AuthPlan.IdentityFile(p, false));
    }
    if (files.isEmpty() && explicitKeys.isEmpty()) {
      for (Path p : defaultIdentityFiles) {
        files.add(new AuthPlan.IdentityFile(p, false));
      }
    }
    Path agent = identityAgent;
    if (t.identityAgent() != null) {
      String a = t.identityAgent();
      if (a.equalsIgnoreCase("none")) {
        agent = null;
      } else if (a.equals("SSH_AUTH_SOCK") || a.equals("$SSH_AUTH_SOCK")) {
        String env = System.getenv("SSH_AUTH_SOCK");
        agent = env == null || env.isEmpty() ? null : Path.of(env);
      } else {
        agent = SshConfig.expandHome(a);
      }
    }
    return AuthPlan.build(
        files,
        t.certificateFiles(),
        agent,
        t.identitiesOnly(),
        explicitKeys,
        file -> {
          List<KeyPair> k = loadedKeyFiles.get(file);
          if (k == null) {
            synchronized (loadedKeyFiles) {
              k = loadedKeyFiles.get(file);
              if (k == null) {
                k = Identities.load(file, passphrases::passphrase);
                loadedKeyFiles.put(file, k);
              }
            }
          }
          return k;
        });
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = e.getMessage();
    return t == e || t.getMessage() == null ? m : m + " (" + t.getMessage() + ")";
  }

  private static ThreadFactory daemon(String prefix) {
    return new NamedThreadFactory(prefix);
  }

  /** Builder for {@link RpcClient}; every setting has a secure default. */
  public static final class Builder {
    private final List<Path> identityFiles = new ArrayList<>();
    private final List<Path> defaultIdentityFiles = new ArrayList<>();
    private final List<KeyPair> keyPairs = new ArrayList<>();
    private Path sshConfigFile;
    private final List<String> sshOptions = new ArrayList<>();
    private Path identityAgent;
    private PassphraseSource passphrases =
        PassphraseSource.environment().orElse(PassphraseSource.console());
    private Path knownHosts = home().resolve(".ssh").resolve("known_hosts");
    private boolean acceptNewHostKeys;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private String defaultUser = System.getProperty("user.name", "sshrpc");
    private java.net.InetAddress bindAddress;
    private ReconnectPolicy reconnectPolicy = ReconnectPolicy.DEFAULT;
    private AlgorithmPolicy algorithmPolicy = AlgorithmPolicy.defaults();
    private Executor callbackExecutor;
    private int maxFrameLength = 16 << 20;
    private int maxProtocolVersion = 2;
    private TermLimits termLimits = TermLimits.DEFAULT;
    private Duration serverDeadlineGrace = Duration.ofMillis(200);
    // Call interception (interceptor, defaultDeadline):
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private Duration defaultDeadline;

    private Builder() {}

    /**
     * Adds an OpenSSH private key file. Without any (here or as an ssh config IdentityFile), those
     * of {@code ~/.ssh/id_ed25519}, {@code id_ecdsa}, {@code id_rsa} that exist are used. A
     * certificate {@code FILE-cert.pub} beside the key is offered too, first, as by {@code ssh}.
     */
    public Builder identity(Path privateKeyFile) {
      identityFiles.add(Objects.requireNonNull(privateKeyFile, "privateKeyFile"));
      return this;
    }

    /** Adds an in-memory key pair (e.g. from a key store). */
    public Builder identity(KeyPair keyPair) {
      keyPairs.add(Objects.requireNonNull(keyPair, "keyPair"));
      return this;
    }

    /**
     * Reads host settings from an OpenSSH client configuration file, as {@code ssh -F FILE}:
     * Host aliases with HostName, Port, User, IdentityFile, CertificateFile, IdentitiesOnly,
     * IdentityAgent, ConnectTimeout, UserKnownHostsFile, StrictHostKeyChecking and HashKnownHosts;
     * other keywords are ignored. The file is read again when it changes; a missing file is no
     * configuration. Default: none. A library does not read {@code ~/.ssh/config} unless asked
     * (pass {@code Path.of(System.getProperty("user.home"), ".ssh", "config")}): what a service
     * connects to should not change with its operator's personal settings. The {@code sshrpc}
     * command reads it by default, like {@code ssh}.
     */
    public Builder sshConfig(Path file) {
      this.sshConfigFile = file;
      return this;
    }

    /**
     * Adds an ssh option, {@code Key=Value} as {@code ssh -o}, applied to every host before the
     * configuration file (the first value of a key wins).
     *
     * @throws IllegalArgumentException if it is not {@code Key=Value} or the value is malformed
     */
    public Builder sshOption(String keyValue) {
      SshConfig.of(null, List.of(keyValue)); // fails now, with the option named, if malformed
      sshOptions.add(keyValue);
      return this;
    }

    /**
     * The ssh-agent to take keys from: its Unix-domain socket, e.g. {@code
     * Path.of(System.getenv("SSH_AUTH_SOCK"))}; null (the default) for none. Its keys are offered
     * first, as by {@code ssh}; with {@code IdentitiesOnly yes} only those matching an identity
     * file. An ssh config {@code IdentityAgent} overrides it per host.
     */
    public Builder identityAgent(Path socket) {
      this.identityAgent = socket;
      return this;
    }

    /**
     * Where passphrases of encrypted identities come from; default: {@code $SSHRPC_PASSPHRASE},
     * else a console prompt.
     */
    public Builder passphrases(PassphraseSource source) {
      this.passphrases = Objects.requireNonNull(source, "source");
      return this;
    }

    /** The OpenSSH known_hosts file; default {@code ~/.ssh/known_hosts}. */
    public Builder knownHosts(Path file) {
      this.knownHosts = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * Whether an unknown host's key is accepted and appended to the known_hosts file (like
     * OpenSSH's {@code StrictHostKeyChecking=accept-new}). A changed key is refused regardless.
     * Default false.
     */
    public Builder acceptNewHostKeys(boolean accept) {
      this.acceptNewHostKeys = accept;
      return this;
    }

    /** Bound on TCP connect + key exchange + authentication + negotiation; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("connect timeout must be positive: " + timeout);
      }
      this.connectTimeout = timeout;
      return this;
    }

    /** The SSH user when an address names none; default the {@code user.name} property. */
    public Builder defaultUser(String user) {
      if (user == null || user.isEmpty()) {
        throw new IllegalArgumentException("empty user");
      }
      this.defaultUser = user;
      return this;
    }

    /**
     * The local address connections are made from, as {@code ssh -b}: for a host with several
     * addresses whose servers allow only some of them. Default: the system's choice.
     */
    public Builder bindAddress(java.net.InetAddress address) {
      this.bindAddress = address;
      return this;
    }

    /** How connections come back after a drop; default {@link ReconnectPolicy#DEFAULT}. */
    public Builder reconnectPolicy(ReconnectPolicy policy) {
      this.reconnectPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Ciphers, key exchanges, MACs and signatures offered; default AES-GCM first. */
    public Builder algorithmPolicy(AlgorithmPolicy policy) {
      this.algorithmPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Where futures of {@code callAsync} are completed (so their dependent stages never run on
     * the SSH I/O thread); default a small pool owned by the client.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Largest reply frame accepted; default 16 MiB. */
    public Builder maxFrameLength(int bytes) {
      if (bytes < 16) {
        throw new IllegalArgumentException("maxFrameLength too small: " + bytes + " (expected: >= 16)");
      }
      this.maxFrameLength = bytes;
      return this;
    }

    /** Limits applied when decoding replies; default {@link TermLimits#DEFAULT}. */
    public Builder termLimits(TermLimits limits) {
      this.termLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * The highest protocol version to negotiate: 2 (default) or 1, which never sends {@code
     * sshrpc_hello} and speaks exactly the seed's protocol.
     */
    public Builder maxProtocolVersion(int version) {
      if (version != 1 && version != 2) {
        throw new IllegalArgumentException("protocol version " + version + " (expected: 1 or 2)");
      }
      this.maxProtocolVersion = version;
      return this;
    }

    /**
     * How long after a call's deadline the client stops waiting for a v2 server, which enforces
     * deadlines itself and answers {@code timeout}; default 200 ms.
     */
    public Builder serverDeadlineGrace(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("negative grace: " + grace);
      }
      this.serverDeadlineGrace = grace;
      return this;
    }

    // --- Call interception: what runs around every call (interceptors, default deadline). ---

    /**
     * Adds an interceptor run around every call of this client's connections; the first added
     * runs outermost. See {@link ClientInterceptor}.
     *
     * @param interceptor the interceptor
     * @return this builder
     */
    public Builder interceptor(ClientInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * The deadline of every call whose {@link CallOptions} have none (neither a deadline nor a
     * call timeout): {@code timeout} after the call starts. Applies to calls on connections,
     * their extra channels and typed proxies. Default: none, such calls wait as long as the
     * server takes (a v2 server bounds them by its own default call timeout).
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder defaultDeadline(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("default deadline must be positive: " + timeout);
      }
      this.defaultDeadline = timeout;
      return this;
    }

    /** Builds and starts the client. */
    public RpcClient build() {
      defaultIdentityFiles.clear();
      Path ssh = home().resolve(".ssh");
      for (String n : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
        if (Files.isRegularFile(ssh.resolve(n))) {
          defaultIdentityFiles.add(ssh.resolve(n));
        }
      }
      return new RpcClient(this);
    }

    private static Path home() {
      return Paths.get(System.getProperty("user.home", "."));
    }
  }
}
