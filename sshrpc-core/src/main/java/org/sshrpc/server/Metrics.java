package org.sshrpc.server;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

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
 * <p>Micrometer ({@code io.micrometer:micrometer-core}) and its Prometheus registry ({@code
 * micrometer-registry-prometheus}) are <em>optional</em> dependencies of sshrpc-core: a program
 * that records metrics adds them itself. Without them everything but {@link #builder()} works, and
 * a server without metrics never loads them.
 *
 * <p>Thread-safe. {@link #none()} records nothing and costs next to nothing.
 */
public final class Metrics {
  /** The {@code mfa} label for calls whose target is not an exported function. */
  static final String UNRESOLVED = "-";

  /** The {@code mfa} label once {@link Builder#maxFunctions} distinct functions were seen. */
  static final String OVERFLOW = "other";

  private static final Metrics NONE = new Metrics(null);

  /** How a call ended, as the {@code status}/{@code reason} labels report it. */
  enum CallStatus {
    OK("ok"),
    /** The function ran and raised (Erlang exception, Java exception, bad arguments). */
    RAISED("raised"),
    UNDEF("undef"),
    DENIED("denied"),
    TIMEOUT("timeout"),
    CANCELLED("cancelled"),
    OVERLOADED("overloaded"),
    BAD_REQUEST("badrequest"),
    /** The channel closed while the call ran. */
    NOCONNECTION("noconnection");

    final String label;

    CallStatus(String label) {
      this.label = label;
    }

    /** The status of a server {@link Outcome}, read from its reason's shape. */
    static CallStatus of(Outcome o) {
      if (o.ok()) {
        return OK;
      }
      Term v = o.value();
      if (o.exit()) {
        return v instanceof ErlTuple && ((ErlTuple) v).isTagged("undef", 2) ? UNDEF : RAISED;
      }
      if (v instanceof ErlTuple && ((ErlTuple) v).isTagged("sshrpc_denied", 2)) {
        return DENIED;
      }
      if (v instanceof ErlAtom) {
        switch (((ErlAtom) v).name()) {
          case "timeout":
            return TIMEOUT;
          case "cancelled":
            return CANCELLED;
          case "overloaded":
            return OVERLOADED;
          case "noconnection":
            return NOCONNECTION;
          default:
            break;
        }
      }
      return RAISED;
    }

    /** {@return whether a call with this outcome reached an exported function (so its name may be a label)} */
    boolean resolved() {
      return this == OK || this == RAISED || this == TIMEOUT || this == CANCELLED
          || this == NOCONNECTION;
    }
  }

  // Null for none(). Micrometer types appear only in MicrometerMetrics and in signatures here,
  // which the JVM resolves only when they are called: so none() needs no Micrometer at run time.
  private final MicrometerMetrics meters;

  private Metrics(MicrometerMetrics meters) {
    this.meters = meters;
  }

  /** {@return metrics that record nothing} {@link #scrape()} then returns an empty string. */
  public static Metrics none() {
    return NONE;
  }

  /**
   * Returns a builder; by default it records into a new Prometheus registry.
   *
   * @return a new builder
   * @throws IllegalStateException if Micrometer or its Prometheus registry is not on the class
   *     path (they are optional dependencies of sshrpc-core)
   */
  public static Builder builder() {
    requireMicrometer();
    return new Builder();
  }

  private static void requireMicrometer() {
    // Not driven by wire data: fixed names, checked so that a missing optional dependency is
    // one clear message instead of a NoClassDefFoundError from the first meter.
    for (String c :
        new String[] {
          "io.micrometer.core.instrument.MeterRegistry",
          "io.micrometer.prometheusmetrics.PrometheusMeterRegistry"
        }) {
      try {
        Class.forName(c, false, Metrics.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        throw new IllegalStateException(
            "metrics need Micrometer on the class path: add io.micrometer:micrometer-core and"
                + " io.micrometer:micrometer-registry-prometheus (optional dependencies of"
                + " sshrpc-core; missing: " + c + ")");
      }
    }
  }

  /** {@return whether this instance records anything} */
  public boolean enabled() {
    return meters != null;
  }

  /**
   * The Micrometer registry recorded into (for adding binders or other exporters).
   *
   * @return the registry
   * @throws IllegalStateException for {@link #none()}
   */
  public MeterRegistry registry() {
    if (meters == null) {
      throw new IllegalStateException("metrics are disabled");
    }
    return meters.registry();
  }

  /**
   * Returns every meter in Prometheus text exposition format 0.0.4. Empty for {@link #none()}.
   *
   * @return the exposition text
   * @throws IllegalStateException if this records into a registry that is not a Prometheus one
   */
  public String scrape() {
    return meters == null ? "" : meters.scrape();
  }

  /**
   * The built-in module {@code sshrpc_metrics}: {@code scrape/0} returns {@link #scrape()} as a
   * UTF-8 binary. Callable only through a policy rule that names it ({@link MetricsAccess}).
   */
  RpcModule module() {
    return RpcModule.builder(MetricsAccess.MODULE)
        .function("scrape", 0, (ctx, args) -> org.sshrpc.term.ErlBinary.utf8(scrape()))
        .build();
  }

  // Hooks for the session core (package-private: not API). Each is a null check when disabled.

  void sessionOpened() {
    if (meters != null) {
      meters.sessionOpened();
    }
  }

  void sessionClosed() {
    if (meters != null) {
      meters.sessionClosed();
    }
  }

  void received(long bytes) {
    if (meters != null) {
      meters.received(bytes);
    }
  }

  void sent(long bytes) {
    if (meters != null) {
      meters.sent(bytes);
    }
  }

  /** A frame could not be decoded ({@code reason}: {@code badframe}, {@code frame_too_large}). */
  void frameError(String reason) {
    if (meters != null) {
      meters.frameError(reason);
    }
  }

  /** A call was accepted and is about to run: one more in flight until {@link #callFinished}. */
  void callStarted() {
    if (meters != null) {
      meters.callStarted();
    }
  }

  /**
   * A call counted by {@link #callStarted} ended with {@code status}, {@code elapsedNanos} after
   * it was received. Called exactly once per started call.
   */
  void callFinished(String module, String function, int arity, CallStatus status, long elapsedNanos) {
    if (meters != null) {
      meters.callFinished(module, function, arity, status, elapsedNanos);
    }
  }

  /**
   * A call that was never counted in flight ended: refused before it ran (denied, undefined,
   * overloaded; {@code elapsedNanos} 0) or run inline on the reading thread.
   */
  void callRefused(String module, String function, int arity, CallStatus status, long elapsedNanos) {
    if (meters != null) {
      meters.callRefused(module, function, arity, status, elapsedNanos);
    }
  }

  /** Builder for {@link Metrics}. */
  public static final class Builder {
    private MeterRegistry registry;
    private Clock clock; // null: Clock.SYSTEM, read only when the registry is made
    private boolean jvm = true;
    private int maxFunctions = 1000;

    private Builder() {}

    /**
     * Records into {@code registry} instead of a new Prometheus registry; {@link #scrape()} then
     * works only if it is a {@link PrometheusMeterRegistry}.
     *
     * @param registry the registry to record into
     * @return this builder
     */
    public Builder registry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * The clock for a new Prometheus registry (tests use a {@code MockClock}).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Whether to add JVM memory, thread, CPU and uptime meters (default true).
     *
     * @param on whether to add them
     * @return this builder
     */
    public Builder jvmMetrics(boolean on) {
      this.jvm = on;
      return this;
    }

    /**
     * The most distinct {@code mfa} label values kept (default 1000).
     *
     * @param max the cap, at least 0
     * @return this builder
     */
    public Builder maxFunctions(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxFunctions < 0: " + max);
      }
      this.maxFunctions = max;
      return this;
    }

    /**
     * Builds the metrics and registers its meters.
     *
     * @return the metrics
     */
    public Metrics build() {
      return new Metrics(MicrometerMetrics.create(registry, clock, jvm, maxFunctions));
    }
  }
}
