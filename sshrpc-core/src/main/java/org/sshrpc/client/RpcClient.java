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
 * private key files readable by others are refused. {@code ~/.ssh/config} is not read.
 */
public final class RpcClient implements AutoCloseable {
  private final SshClient ssh;
  private final ClientRuntime rt;
  private final List<Path> identityFiles;
  private final List<KeyPair> explicitKeys;
  private final PassphraseSource passphrases;
  private final Duration connectTimeout;
  private final String defaultUser;
  private final java.net.InetAddress bindAddress;
  private final ReconnectPolicy reconnectPolicy;
  private final ExecutorService ownedCallbackExecutor;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ExecutorService multicallExecutor;
  private volatile List<KeyPair> loadedKeys;

  private RpcClient(Builder b) {
    this.identityFiles = List.copyOf(b.identityFiles);
    this.explicitKeys = List.copyOf(b.keyPairs);
    this.passphrases = b.passphrases;
    this.connectTimeout = b.connectTimeout;
    this.defaultUser = b.defaultUser;
    this.bindAddress = b.bindAddress;
    this.reconnectPolicy = b.reconnectPolicy;
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
    c.setServerKeyVerifier(KnownHosts.verifier(b.knownHosts, b.acceptNewHostKeys));
    // Identities and host settings come from this builder only, never from ~/.ssh implicitly.
    c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
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

  private ClientSession openSessionOnce(NodeAddress node, long deadlineNanos) throws IOException, RefusedBeforeVersion {
    String user = node.user() != null ? node.user() : defaultUser;
    List<KeyPair> keys = keys();
    ClientSession s;
    try {
      ConnectFuture cf =
          bindAddress == null
              ? ssh.connect(user, node.host(), node.port())
              : ssh.connect(
                  user,
                  new java.net.InetSocketAddress(node.host(), node.port()),
                  new java.net.InetSocketAddress(bindAddress, 0));
      s = cf.verify(millisLeft(deadlineNanos, node)).getClientSession();
    } catch (IOException e) {
      if (closedOnAccept(e)) {
        throw refusedBeforeVersion(node, e);
      }
      throw new IOException("cannot connect to " + node + ": " + rootMessage(e), e);
    }
    try {
      for (KeyPair kp : keys) {
        s.addPublicKeyIdentity(kp);
      }
      s.auth().verify(millisLeft(deadlineNanos, node));
      return s;
    } catch (IOException | RuntimeException e) {
      KnownHostsException hk = KnownHosts.failure(s);
      boolean spoke = s.getServerVersion() != null;
      s.close(true);
      if (hk != null) {
        throw hk;
      }
      if (!spoke) {
        throw refusedBeforeVersion(node, e);
      }
      throw new IOException(
          "authentication as " + user + " to " + node + " failed: " + rootMessage(e), e);
    }
  }

  private static long millisLeft(long deadlineNanos, NodeAddress node) throws IOException {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (ms <= 0) {
      throw new IOException("connect to " + node + " timed out");
    }
    return ms;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = e.getMessage();
    return t == e || t.getMessage() == null ? m : m + " (" + t.getMessage() + ")";
  }

  /** The identities, loaded (and their passphrases asked) once, at first use. */
  private List<KeyPair> keys() throws IOException {
    List<KeyPair> k = loadedKeys;
    if (k != null) {
      return k;
    }
    synchronized (this) {
      if (loadedKeys == null) {
        List<KeyPair> all = new ArrayList<>(explicitKeys);
        for (Path p : identityFiles) {
          all.addAll(Identities.load(p, passphrases::passphrase));
        }
        if (all.isEmpty()) {
          throw new IOException("no identity: give one with identity(Path) (none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists)");
        }
        loadedKeys = List.copyOf(all);
      }
      return loadedKeys;
    }
  }

  private static ThreadFactory daemon(String prefix) {
    return new NamedThreadFactory(prefix);
  }

  /** Builder for {@link RpcClient}; every setting has a secure default. */
  public static final class Builder {
    private final List<Path> identityFiles = new ArrayList<>();
    private final List<KeyPair> keyPairs = new ArrayList<>();
    private boolean identitiesSet;
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

    private Builder() {}

    /**
     * Adds an OpenSSH private key file. Without any, the first of {@code ~/.ssh/id_ed25519},
     * {@code id_ecdsa}, {@code id_rsa} that exists is used.
     */
    public Builder identity(Path privateKeyFile) {
      identityFiles.add(Objects.requireNonNull(privateKeyFile, "privateKeyFile"));
      identitiesSet = true;
      return this;
    }

    /** Adds an in-memory key pair (e.g. from a key store). */
    public Builder identity(KeyPair keyPair) {
      keyPairs.add(Objects.requireNonNull(keyPair, "keyPair"));
      identitiesSet = true;
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

    /** Builds and starts the client. */
    public RpcClient build() {
      if (!identitiesSet) {
        Path ssh = home().resolve(".ssh");
        for (String n : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
          if (Files.isRegularFile(ssh.resolve(n))) {
            identityFiles.add(ssh.resolve(n));
            break;
          }
        }
      }
      return new RpcClient(this);
    }

    private static Path home() {
      return Paths.get(System.getProperty("user.home", "."));
    }
  }
}
