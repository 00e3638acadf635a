package org.sshrpc.server;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import org.sshrpc.term.ErlBinary;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operational metrics of one sshrpc server: calls, errors and latency per {@code M:F/Arity},
 * bytes in and out, sessions and calls in flight, kept in a Micrometer {@link MeterRegistry} and
 * exportable as Prometheus text.
 *
 * <p>Meters (Prometheus names as scraped):
 *
 * <ul>
 *   <li>{@code sshrpc_calls_seconds} (histogram) labels {@code mfa}, {@code status} = {@code ok} |
 *       {@code error}: one observation per finished call; its {@code _count} is the number of calls.
 *   <li>{@code sshrpc_call_errors_total} labels {@code mfa}, {@code reason}: failed calls by reason
 *       ({@code raised}, {@code undef}, {@code denied}, {@code timeout}, {@code cancelled}, {@code
 *       overloaded}, {@code badrequest}).
 *   <li>{@code sshrpc_calls_in_flight}: calls received and not yet answered.
 *   <li>{@code sshrpc_sessions_active}, {@code sshrpc_sessions_opened_total}: subsystem sessions.
 *   <li>{@code sshrpc_received_bytes_total}, {@code sshrpc_sent_bytes_total}: frame bytes, length
 *       prefix included.
 *   <li>{@code sshrpc_frame_errors_total} label {@code reason}: frames that could not be decoded.
 * </ul>
 *
 * <p>Only names the server actually exports become {@code mfa} label values: a call to an
 * undefined, denied or malformed target is counted under {@code mfa="-"}, so a peer cannot grow the
 * registry by inventing names. The number of distinct {@code mfa} values is also capped ({@link
 * Builder#maxFunctions}); past the cap calls are counted under {@code mfa="other"}.
 *
 * <p>Thread-safe. {@link #none()} records nothing and costs next to nothing.
 */
public final class Metrics {
  /** The {@code mfa} label for calls whose target is not an exported function. */
  static final String UNRESOLVED = "-";

  /** The {@code mfa} label once {@link Builder#maxFunctions} distinct functions were seen. */
  static final String OVERFLOW = "other";

  private static final Duration[] BUCKETS = {
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofNanos(2_500_000),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2_500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
  };

  private static final Metrics NONE = new Metrics(null, null, 0);

  /**
   * Whether a call with this outcome reached an exported function, so its name may be a label
   * (refusals before lookup, such as undef and denied, are counted as unresolved: a client could
   * otherwise grow the label set with invented names).
   */
  static boolean resolved(Outcome o) {
    if (o.ok()) {
      return true;
    }
    switch (o.reason()) {
      case RAISED:
      case JAVA_EXCEPTION:
      case TIMEOUT:
      case CANCELLED:
      case NOCONNECTION:
        return true;
      default:
        return false;
    }
  }

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final int maxFunctions;
  private final Set<String> functions = ConcurrentHashMap.newKeySet();
  // Meters by label values, so a call does not build a Meter.Id; bounded like the labels.
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, Counter> errors = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger sessions = new AtomicInteger();
  private final Counter sessionsOpened;
  private final Counter received;
  private final Counter sent;

  private Metrics(MeterRegistry registry, PrometheusMeterRegistry prometheus, int maxFunctions) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.maxFunctions = maxFunctions;
    if (registry == null) {
      sessionsOpened = null;
      received = null;
      sent = null;
      return;
    }
    Gauge.builder("sshrpc.calls.in.flight", inFlight, AtomicInteger::get)
        .description("RPC calls received and not yet answered")
        .register(registry);
    Gauge.builder("sshrpc.sessions.active", sessions, AtomicInteger::get)
        .description("sshrpc subsystem sessions currently open")
        .register(registry);
    sessionsOpened =
        Counter.builder("sshrpc.sessions.opened")
            .description("sshrpc subsystem sessions opened")
            .register(registry);
    received =
        Counter.builder("sshrpc.received")
            .baseUnit("bytes")
            .description("frame bytes received, length prefix included")
            .register(registry);
    sent =
        Counter.builder("sshrpc.sent")
            .baseUnit("bytes")
            .description("frame bytes sent, length prefix included")
            .register(registry);
  }

  /** Returns metrics that record nothing; {@link #scrape()} then returns an empty string. */
  public static Metrics none() {
    return NONE;
  }

  /** Returns a builder; by default it records into a new Prometheus registry. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether this instance records anything. */
  public boolean enabled() {
    return registry != null;
  }

  /** The Micrometer registry recorded into (for adding binders or other exporters). */
  public MeterRegistry registry() {
    if (registry == null) {
      throw new IllegalStateException("metrics are disabled");
    }
    return registry;
  }

  /**
   * Returns every meter in Prometheus text exposition format 0.0.4. Empty for {@link #none()}.
   *
   * @throws IllegalStateException if this records into a registry that is not a Prometheus one
   */
  public String scrape() {
    if (registry == null) {
      return "";
    }
    if (prometheus == null) {
      throw new IllegalStateException(
          "registry is not a PrometheusMeterRegistry: " + registry.getClass().getName());
    }
    return prometheus.scrape("text/plain; version=0.0.4; charset=utf-8");
  }

  /**
   * The built-in module {@code sshrpc_metrics}: {@code scrape/0} returns {@link #scrape()} as a
   * UTF-8 binary. Callable only through a policy rule that names it ({@link MetricsAccess}).
   */
  RpcModule module() {
    return RpcModule.builder(MetricsAccess.MODULE)
        .function("scrape", 0, (ctx, args) -> ErlBinary.utf8(scrape()))
        .build();
  }

  // Hooks for the session core (package-private: not API).

  void sessionOpened() {
    if (registry != null) {
      sessions.incrementAndGet();
      sessionsOpened.increment();
    }
  }

  void sessionClosed() {
    if (registry != null) {
      sessions.decrementAndGet();
    }
  }

  void received(long bytes) {
    if (registry != null) {
      received.increment(bytes);
    }
  }

  void sent(long bytes) {
    if (registry != null) {
      sent.increment(bytes);
    }
  }

  /** A frame could not be decoded ({@code reason}: {@code badframe}, {@code frame_too_large}). */
  void frameError(String reason) {
    if (registry != null) {
      registry.counter("sshrpc.frame.errors", "reason", reason).increment();
    }
  }

  /** A call was accepted and is about to run: one more in flight until {@link #callFinished}. */
  void callStarted() {
    if (registry != null) {
      inFlight.incrementAndGet();
    }
  }

  /**
   * A call counted by {@link #callStarted} ended with {@code status}, {@code elapsedNanos} after
   * it was received. Called exactly once per started call.
   */
  void callFinished(String module, String function, int arity, Outcome status, long elapsedNanos) {
    if (registry != null) {
      inFlight.decrementAndGet();
      record(module, function, arity, status, elapsedNanos);
    }
  }

  /**
   * A call that was never counted in flight ended: refused before it ran (denied, undefined,
   * overloaded; {@code elapsedNanos} 0) or run inline on the reading thread.
   */
  void callRefused(String module, String function, int arity, Outcome status, long elapsedNanos) {
    if (registry != null) {
      record(module, function, arity, status, elapsedNanos);
    }
  }

  private void record(String module, String function, int arity, Outcome outcome, long elapsed) {
    String mfa = label(module, function, arity, outcome);
    String status = outcome.ok() ? "ok" : "error";
    timers
        .computeIfAbsent(
            status + ' ' + mfa,
            k ->
                Timer.builder("sshrpc.calls")
                    .description("RPC calls by function and status, with latency")
                    .tags(Tags.of("mfa", mfa, "status", status))
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry))
        .record(Math.max(0, elapsed), TimeUnit.NANOSECONDS);
    if (!outcome.ok()) {
      String reason = outcome.label();
      errors
          .computeIfAbsent(
              reason + ' ' + mfa,
              k ->
                  Counter.builder("sshrpc.call.errors")
                      .description("failed RPC calls by function and reason")
                      .tags(Tags.of("mfa", mfa, "reason", reason))
                      .register(registry))
          .increment();
    }
  }

  private String label(String module, String function, int arity, Outcome outcome) {
    if (!resolved(outcome) || module == null || function == null) {
      return UNRESOLVED;
    }
    String mfa = module + ":" + function + "/" + arity;
    if (functions.contains(mfa)) {
      return mfa;
    }
    // Racy by at most a few entries over the cap under contention; the bound still holds.
    if (functions.size() >= maxFunctions) {
      return OVERFLOW;
    }
    functions.add(mfa);
    return mfa;
  }

  /** Builder for {@link Metrics}. */
  public static final class Builder {
    private MeterRegistry registry;
    private Clock clock = Clock.SYSTEM;
    private boolean jvm = true;
    private int maxFunctions = 1000;

    private Builder() {}

    /**
     * Records into {@code registry} instead of a new Prometheus registry; {@link #scrape()} then
     * works only if it is a {@link PrometheusMeterRegistry}.
     */
    public Builder registry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** The clock for a new Prometheus registry (tests use a {@code MockClock}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Whether to add JVM memory, thread, CPU and uptime meters (default true). */
    public Builder jvmMetrics(boolean on) {
      this.jvm = on;
      return this;
    }

    /** The most distinct {@code mfa} label values kept (default 1000). */
    public Builder maxFunctions(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxFunctions < 0: " + max);
      }
      this.maxFunctions = max;
      return this;
    }

    /** Builds the metrics and registers its meters. */
    public Metrics build() {
      MeterRegistry r = registry;
      if (r == null) {
        r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
      }
      if (jvm) {
        new JvmMemoryMetrics().bindTo(r);
        new JvmThreadMetrics().bindTo(r);
        new ProcessorMetrics().bindTo(r);
        new UptimeMetrics().bindTo(r);
      }
      return new Metrics(
          r, r instanceof PrometheusMeterRegistry ? (PrometheusMeterRegistry) r : null, maxFunctions);
    }
  }
}
