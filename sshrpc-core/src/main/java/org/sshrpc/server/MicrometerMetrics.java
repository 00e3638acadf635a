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
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Micrometer side of {@link Metrics}: the registry and its meters. The only class of the
 * server that refers to Micrometer or Prometheus types when it runs, so that a server built
 * without metrics (and any client) works with neither library on the class path: Micrometer and
 * the Prometheus registry are optional dependencies of sshrpc-core.
 */
final class MicrometerMetrics {
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

  MicrometerMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus, int maxFunctions) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.maxFunctions = maxFunctions;
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

  MeterRegistry registry() {
    return registry;
  }

  String scrape() {
    if (prometheus == null) {
      throw new IllegalStateException(
          "registry is not a PrometheusMeterRegistry: " + registry.getClass().getName());
    }
    return prometheus.scrape("text/plain; version=0.0.4; charset=utf-8");
  }

  /** A registry with the settings of {@link Metrics.Builder#build()}. */
  static MicrometerMetrics create(MeterRegistry registry, Clock clock, boolean jvm, int maxFunctions) {
    MeterRegistry r = registry;
    if (r == null) {
      r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock == null ? Clock.SYSTEM : clock);
    }
    if (jvm) {
      new JvmMemoryMetrics().bindTo(r);
      new JvmThreadMetrics().bindTo(r);
      new ProcessorMetrics().bindTo(r);
      new UptimeMetrics().bindTo(r);
    }
    return new MicrometerMetrics(
        r, r instanceof PrometheusMeterRegistry ? (PrometheusMeterRegistry) r : null, maxFunctions);
  }

  void sessionOpened() {
    sessions.incrementAndGet();
    sessionsOpened.increment();
  }

  void sessionClosed() {
    sessions.decrementAndGet();
  }

  void received(long bytes) {
    received.increment(bytes);
  }

  void sent(long bytes) {
    sent.increment(bytes);
  }

  /** A frame could not be decoded ({@code reason}: {@code badframe}, {@code frame_too_large}). */
  void frameError(String reason) {
    registry.counter("sshrpc.frame.errors", "reason", reason).increment();
  }

  /** A call was accepted and is about to run: one more in flight until {@link #callFinished}. */
  void callStarted() {
    inFlight.incrementAndGet();
  }

  /**
   * A call counted by {@link #callStarted} ended with {@code status}, {@code elapsedNanos} after
   * it was received. Called exactly once per started call.
   */
  void callFinished(String module, String function, int arity, Metrics.CallStatus status, long elapsedNanos) {
    inFlight.decrementAndGet();
    record(module, function, arity, status, elapsedNanos);
  }

  /**
   * A call that was never counted in flight ended: refused before it ran (denied, undefined,
   * overloaded; {@code elapsedNanos} 0) or run inline on the reading thread.
   */
  void callRefused(String module, String function, int arity, Metrics.CallStatus status, long elapsedNanos) {
    record(module, function, arity, status, elapsedNanos);
  }

  private void record(String module, String function, int arity, Metrics.CallStatus outcome, long elapsed) {
    String mfa = label(module, function, arity, outcome);
    String status = outcome == Metrics.CallStatus.OK ? "ok" : "error";
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
    if (outcome != Metrics.CallStatus.OK) {
      errors
          .computeIfAbsent(
              outcome.label + ' ' + mfa,
              k ->
                  Counter.builder("sshrpc.call.errors")
                      .description("failed RPC calls by function and reason")
                      .tags(Tags.of("mfa", mfa, "reason", outcome.label))
                      .register(registry))
          .increment();
    }
  }

  private String label(String module, String function, int arity, Metrics.CallStatus outcome) {
    if (!outcome.resolved() || module == null || function == null) {
      return Metrics.UNRESOLVED;
    }
    String mfa = module + ":" + function + "/" + arity;
    if (functions.contains(mfa)) {
      return mfa;
    }
    // Racy by at most a few entries over the cap under contention; the bound still holds.
    if (functions.size() >= maxFunctions) {
      return Metrics.OVERFLOW;
    }
    functions.add(mfa);
    return mfa;
  }
}
