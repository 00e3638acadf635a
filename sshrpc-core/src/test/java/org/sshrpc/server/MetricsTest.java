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
import org.sshrpc.server.Metrics.CallStatus;
import org.sshrpc.testing.PrometheusText;

@Timeout(30)
class MetricsTest {
  private final MockClock clock = new MockClock();
  private final Metrics metrics = Metrics.builder().clock(clock).jvmMetrics(false).build();

  private void call(String m, String f, int arity, CallStatus outcome, Duration took) {
    metrics.callStarted();
    metrics.callFinished(m, f, arity, outcome, took.toNanos());
  }

  @Test
  void countsCallsAndLatencyPerFunction() {
    for (int i = 0; i < 3; i++) {
      call("lists", "seq", 2, CallStatus.OK, Duration.ofMillis(3));
    }
    call("lists", "seq", 2, CallStatus.RAISED, Duration.ofMillis(40));
    call("erlang", "node", 0, CallStatus.OK, Duration.ofNanos(50_000));

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
    call("no_such_module", "invented_1", 0, CallStatus.UNDEF, Duration.ZERO);
    call("secret", "thing", 1, CallStatus.DENIED, Duration.ZERO);
    call(null, null, 0, CallStatus.BAD_REQUEST, Duration.ZERO);
    metrics.callRefused("lists", "seq", 2, CallStatus.OVERLOADED, 0);

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
      capped.callFinished("m", "f" + i, 0, CallStatus.OK, 1);
    }
    capped.callRefused("m", "f0", 0, CallStatus.OK, 1);
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
    metrics.callFinished("m", "f", 0, CallStatus.OK, 5);

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
    none.callFinished("m", "f", 0, CallStatus.OK, 1);
    none.sessionOpened();
    none.received(5);
    assertEquals("", none.scrape());
    assertThrows(IllegalStateException.class, none::registry);
  }

  @Test
  void scrapeNeedsAPrometheusRegistry() {
    Metrics other = Metrics.builder().registry(new SimpleMeterRegistry()).jvmMetrics(false).build();
    other.callStarted();
    other.callFinished("m", "f", 0, CallStatus.OK, 1);
    assertEquals(1, other.registry().get("sshrpc.calls").timer().count());
    IllegalStateException e = assertThrows(IllegalStateException.class, other::scrape);
    assertTrue(e.getMessage().contains("SimpleMeterRegistry"), e.getMessage());
  }

  @Test
  void statusFromTheServersOutcome() {
    org.sshrpc.term.ErlAtom m = org.sshrpc.term.ErlAtom.of("m");
    org.sshrpc.term.ErlAtom f = org.sshrpc.term.ErlAtom.of("f");
    assertEquals(CallStatus.OK, CallStatus.of(Outcome.ok(m)));
    assertEquals(CallStatus.UNDEF, CallStatus.of(Outcome.raised(RpcService.undef(m, f, org.sshrpc.term.ErlList.NIL))));
    assertEquals(CallStatus.RAISED, CallStatus.of(Outcome.raised(RpcService.javaException("X", "y"))));
    assertEquals(CallStatus.RAISED, CallStatus.of(Outcome.raised(org.sshrpc.term.ErlAtom.of("badarith"))));
    assertEquals(
        CallStatus.DENIED,
        CallStatus.of(Outcome.refused(org.sshrpc.term.ErlTuple.of(RpcService.DENIED, org.sshrpc.term.ErlTuple.of(m, f, org.sshrpc.term.ErlInteger.of(0))))));
    assertEquals(CallStatus.TIMEOUT, CallStatus.of(Outcome.refused(Outcome.TIMEOUT)));
    assertEquals(CallStatus.CANCELLED, CallStatus.of(Outcome.refused(Outcome.CANCELLED)));
    assertEquals(CallStatus.OVERLOADED, CallStatus.of(Outcome.refused(Outcome.OVERLOADED)));
    assertEquals(CallStatus.NOCONNECTION, CallStatus.of(Outcome.refused(org.sshrpc.term.ErlAtom.of("noconnection"))));
  }

  @Test
  void rejectsNegativeCap() {
    assertThrows(IllegalArgumentException.class, () -> Metrics.builder().maxFunctions(-1));
  }
}
