package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.wire.Reason;
import org.sshrpc.testing.PrometheusText;

@Timeout(30)
class MetricsTest {
  private final MockClock clock = new MockClock();
  private final Metrics metrics = Metrics.builder().clock(clock).jvmMetrics(false).build();

  private static final Outcome OK = Outcome.ok(ErlAtom.of("v"));
  private static final Outcome RAISED = Outcome.raised(ErlAtom.of("badarith"));
  private static final Outcome UNDEF =
      Outcome.raised(RpcService.undef(ErlAtom.of("m"), ErlAtom.of("f"), org.sshrpc.term.ErlList.NIL));
  private static final Outcome DENIED = Outcome.denied(ErlAtom.of("x"));
  private static final Outcome BAD_REQUEST = Outcome.refused(ErlTuple.of(Reason.BADREQUEST.atom(), ErlAtom.of("x")));

  private void call(String m, String f, int arity, Outcome outcome, Duration took) {
    metrics.callStarted();
    metrics.callFinished(m, f, arity, outcome, took.toNanos());
  }

  @Test
  void countsCallsAndLatencyPerFunction() {
    for (int i = 0; i < 3; i++) {
      call("lists", "seq", 2, OK, Duration.ofMillis(3));
    }
    call("lists", "seq", 2, RAISED, Duration.ofMillis(40));
    call("erlang", "node", 0, OK, Duration.ofNanos(50_000));

    PrometheusText p = PrometheusText.parse(metrics.scrape());
    assertEquals("histogram", p.family("sshrpc_calls_seconds").orElseThrow().type());
    assertEquals(3, p.value("sshrpc_calls_seconds_count", "mfa", "lists:seq/2", "status", "ok"));
    assertEquals(1, p.value("sshrpc_calls_seconds_count", "mfa", "lists:seq/2", "status", "error"));
    assertEquals(1, p.value("sshrpc_calls_seconds_count", "mfa", "erlang:node/0", "status", "ok"));
    assertEquals(
        0.009, p.value("sshrpc_calls_seconds_sum", "mfa", "lists:seq/2", "status", "ok"), 1e-9);
    // 3 ms calls: not in the 2.5 ms bucket, all in the 5 ms one.
    assertEquals(
        0, p.value("sshrpc_calls_seconds_bucket", "mfa", "lists:seq/2", "status", "ok", "le", "0.0025"));
    assertEquals(
        3, p.value("sshrpc_calls_seconds_bucket", "mfa", "lists:seq/2", "status", "ok", "le", "0.005"));
    assertEquals(
        1, p.value("sshrpc_call_errors_total", "mfa", "lists:seq/2", "reason", "raised"));
    assertEquals(0, p.value("sshrpc_calls_in_flight"));
  }

  @Test
  void unresolvedTargetsNeverBecomeLabels() {
    call("no_such_module", "invented_1", 0, UNDEF, Duration.ZERO);
    call("secret", "thing", 1, DENIED, Duration.ZERO);
    call(null, null, 0, BAD_REQUEST, Duration.ZERO);
    metrics.callRefused("lists", "seq", 2, Outcome.OVERLOADED, 0);

    String text = metrics.scrape();
    assertFalse(text.contains("invented_1"), text);
    assertFalse(text.contains("secret"), text);
    PrometheusText p = PrometheusText.parse(text);
    assertEquals(4, p.value("sshrpc_calls_seconds_count", "mfa", "-", "status", "error"));
    assertEquals(1, p.value("sshrpc_call_errors_total", "mfa", "-", "reason", "undef"));
    assertEquals(1, p.value("sshrpc_call_errors_total", "mfa", "-", "reason", "denied"));
    assertEquals(1, p.value("sshrpc_call_errors_total", "mfa", "-", "reason", "badrequest"));
    assertEquals(1, p.value("sshrpc_call_errors_total", "mfa", "-", "reason", "overloaded"));
  }

  @Test
  void distinctFunctionLabelsAreCapped() {
    Metrics capped = Metrics.builder().clock(clock).jvmMetrics(false).maxFunctions(2).build();
    for (int i = 0; i < 5; i++) {
      capped.callStarted();
      capped.callFinished("m", "f" + i, 0, OK, 1);
    }
    capped.callRefused("m", "f0", 0, OK, 1);
    PrometheusText p = PrometheusText.parse(capped.scrape());
    assertEquals(2, p.value("sshrpc_calls_seconds_count", "mfa", "m:f0/0"));
    assertEquals(1, p.value("sshrpc_calls_seconds_count", "mfa", "m:f1/0"));
    assertEquals(3, p.value("sshrpc_calls_seconds_count", "mfa", "other"));
    assertEquals(4, p.samples("sshrpc_calls_seconds_count").size() + 1);
  }

  @Test
  void tracksInFlightSessionsAndBytes() {
    metrics.callStarted();
    metrics.callStarted();
    metrics.sessionOpened();
    metrics.sessionOpened();
    metrics.sessionClosed();
    metrics.received(100);
    metrics.received(28);
    metrics.sent(7);
    metrics.frameError("badframe");
    metrics.callFinished("m", "f", 0, OK, 5);

    PrometheusText p = PrometheusText.parse(metrics.scrape());
    assertEquals(1, p.value("sshrpc_calls_in_flight"));
    assertEquals(1, p.value("sshrpc_sessions_active"));
    assertEquals(2, p.value("sshrpc_sessions_opened_total"));
    assertEquals(128, p.value("sshrpc_received_bytes_total"));
    assertEquals(7, p.value("sshrpc_sent_bytes_total"));
    assertEquals(1, p.value("sshrpc_frame_errors_total", "reason", "badframe"));
  }

  @Test
  void jvmMetricsAreOptional() {
    Metrics withJvm = Metrics.builder().build();
    PrometheusText p = PrometheusText.parse(withJvm.scrape());
    assertTrue(p.family("jvm_memory_used_bytes").isPresent(), p.families().keySet().toString());
    assertFalse(PrometheusText.parse(metrics.scrape()).family("jvm_memory_used_bytes").isPresent());
  }

  @Test
  void noneRecordsNothing() {
    Metrics none = Metrics.none();
    assertFalse(none.enabled());
    none.callStarted();
    none.callFinished("m", "f", 0, OK, 1);
    none.sessionOpened();
    none.received(5);
    assertEquals("", none.scrape());
    assertThrows(IllegalStateException.class, none::registry);
  }

  @Test
  void scrapeNeedsAPrometheusRegistry() {
    Metrics other = Metrics.builder().registry(new SimpleMeterRegistry()).jvmMetrics(false).build();
    other.callStarted();
    other.callFinished("m", "f", 0, OK, 1);
    assertEquals(1, other.registry().get("sshrpc.calls").timer().count());
    IllegalStateException e = assertThrows(IllegalStateException.class, other::scrape);
    assertTrue(e.getMessage().contains("SimpleMeterRegistry"), e.getMessage());
  }

  @Test
  void statusFromTheServersOutcome() {
    ErlAtom m = ErlAtom.of("m");
    ErlAtom f = ErlAtom.of("f");
    assertEquals("ok", Outcome.ok(m).label());
    assertEquals("undef", Outcome.raised(RpcService.undef(m, f, org.sshrpc.term.ErlList.NIL)).label());
    assertEquals("raised", Outcome.raised(RpcService.javaException("X", "y")).label());
    assertEquals("raised", Outcome.raised(ErlAtom.of("badarith")).label());
    assertEquals("denied", Outcome.denied(ErlTuple.of(m, f, org.sshrpc.term.ErlInteger.of(0))).label());
    assertEquals("timeout", Outcome.refused(Reason.TIMEOUT).label());
    assertEquals("cancelled", Outcome.refused(Reason.CANCELLED).label());
    assertEquals("overloaded", Outcome.OVERLOADED.label());
    assertEquals("noconnection", Outcome.refused(Reason.NOCONNECTION).label());
    assertTrue(Metrics.resolved(Outcome.refused(Reason.TIMEOUT)));
    assertFalse(Metrics.resolved(Outcome.denied(ErlAtom.of("x"))));
  }

  @Test
  void rejectsNegativeCap() {
    assertThrows(IllegalArgumentException.class, () -> Metrics.builder().maxFunctions(-1));
  }
}
