package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.testing.PrometheusText;

/** The session core feeds {@link Metrics}; the metrics module obeys its access rule. */
@Timeout(30)
class MetricsSessionTest {
  private final CountDownLatch gate = new CountDownLatch(1);
  private final Metrics metrics = Metrics.builder().jvmMetrics(false).build();
  private RpcService service;

  private RpcService service(AccessPolicy policy) {
    RpcModule t =
        RpcModule.builder("t")
            .function("boom", 0, (ctx, a) -> {
              throw new IllegalStateException("no");
            })
            .function("gate", 0, (ctx, a) -> {
              gate.await();
              return atom("open");
            })
            .build();
    service = RpcService.builder().module(t).policy(policy).metrics(metrics).build();
    return service;
  }

  @AfterEach
  void close() {
    if (service != null) {
      service.close();
    }
  }

  private static Term mfa(String m, String f, Term... args) {
    return tuple(atom("mfa"), tuple(atom(m), atom(f), list(args)));
  }

  private static Term answerValue(Term answer) {
    return ((ErlTuple) ((ErlTuple) answer).get(1)).get(0);
  }

  private static long status(Term answer) {
    return ((org.sshrpc.term.ErlInteger) ((ErlTuple) ((ErlTuple) answer).get(1)).get(1)).longValue();
  }

  @Test
  void countsCallsErrorsBytesAndSessions() throws Exception {
    service(AccessPolicy.parse("deny t:boom/1\nallow *\n"));
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    int sent = 0;
    for (Term req :
        new Term[] {
          mfa("lists", "seq", integer(1), integer(3)),
          mfa("lists", "seq", integer(1), integer(5)),
          mfa("t", "boom"),
          mfa("t", "boom", integer(1)),
          mfa("nope", "invented_fn"),
        }) {
      byte[] f = PipeTransport.frame(req);
      sent += f.length;
      s.feed(f, 0, f.length);
      pipe.take();
    }
    byte[] garbage = {0, 0, 0, 2, 1, 2};
    s.feed(garbage, 0, garbage.length);
    pipe.take();
    sent += garbage.length;

    String text = metrics.scrape();
    assertFalse(text.contains("invented_fn"), text);
    PrometheusText p = PrometheusText.parse(text);
    assertEquals(2, p.value("sshrpc_calls_seconds_count", "mfa", "lists:seq/2", "status", "ok"));
    assertEquals(1, p.value("sshrpc_call_errors_total", "mfa", "t:boom/0", "reason", "raised"));
    assertEquals(1, p.value("sshrpc_call_errors_total", "mfa", "-", "reason", "denied"));
    assertEquals(1, p.value("sshrpc_call_errors_total", "mfa", "-", "reason", "undef"));
    assertEquals(1, p.value("sshrpc_frame_errors_total", "reason", "badframe"));
    assertEquals(sent, p.value("sshrpc_received_bytes_total"));
    assertEquals(pipe.bytesWritten.get(), (long) p.value("sshrpc_sent_bytes_total"));
    assertEquals(1, p.value("sshrpc_sessions_active"));
    assertEquals(0, p.value("sshrpc_calls_in_flight"));

    s.close();
    p = PrometheusText.parse(metrics.scrape());
    assertEquals(0, p.value("sshrpc_sessions_active"));
    assertEquals(1, p.value("sshrpc_sessions_opened_total"));
  }

  private double inFlightEventually(double expected) throws InterruptedException {
    double v = -1;
    for (int i = 0; i < 500; i++) {
      v = PrometheusText.parse(metrics.scrape()).value("sshrpc_calls_in_flight");
      if (v == expected) {
        break;
      }
      Thread.sleep(10);
    }
    return v;
  }

  @Test
  void inFlightCountsRunningCallsAndDropsWhenTheChannelCloses() throws Exception {
    service(AccessPolicy.ALLOW_ALL);
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    byte[] hello = PipeTransport.frame(tuple(atom("sshrpc_hello"), integer(2), org.sshrpc.term.Terms.map()));
    s.feed(hello, 0, hello.length);
    pipe.take();
    byte[] call =
        PipeTransport.frame(tuple(atom("call"), integer(7), atom("t"), atom("gate"), list(), atom("infinity")));
    s.feed(call, 0, call.length);
    assertEquals(1, inFlightEventually(1));
    s.close(); // the v2 call is finished as noconnection, never answered
    PrometheusText p = PrometheusText.parse(metrics.scrape());
    assertEquals(0, p.value("sshrpc_calls_in_flight"));
    assertEquals(
        1, p.value("sshrpc_call_errors_total", "mfa", "t:gate/0", "reason", "noconnection"));
  }

  @Test
  void callsOverTheInFlightLimitCountAsOverloaded() throws Exception {
    RpcModule t =
        RpcModule.builder("t").function("gate", 0, (ctx, a) -> {
          gate.await();
          return atom("open");
        }).build();
    service = RpcService.builder().module(t).maxInFlight(1).metrics(metrics).build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    byte[] hello = PipeTransport.frame(tuple(atom("sshrpc_hello"), integer(2), org.sshrpc.term.Terms.map()));
    s.feed(hello, 0, hello.length);
    pipe.take();
    for (int id = 1; id <= 2; id++) {
      byte[] call = PipeTransport.frame(tuple(atom("call"), integer(id), atom("t"), atom("gate"), list(), atom("infinity")));
      s.feed(call, 0, call.length);
    }
    assertTrue(pipe.take().toString().contains("overloaded"));
    gate.countDown();
    pipe.take();
    PrometheusText p = PrometheusText.parse(metrics.scrape());
    assertEquals(1, p.value("sshrpc_call_errors_total", "mfa", "-", "reason", "overloaded"));
    assertEquals(1, p.value("sshrpc_calls_seconds_count", "mfa", "t:gate/0", "status", "ok"));
  }

  @Test
  void v1CallInFlightUntilItReturns() throws Exception {
    service(AccessPolicy.ALLOW_ALL);
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    byte[] f = PipeTransport.frame(mfa("t", "gate"));
    s.feed(f, 0, f.length);
    assertEquals(1, inFlightEventually(1));
    gate.countDown();
    pipe.take();
    assertEquals(0, inFlightEventually(0));
    assertEquals(
        1,
        PrometheusText.parse(metrics.scrape())
            .value("sshrpc_calls_seconds_count", "mfa", "t:gate/0", "status", "ok"));
  }

  @Test
  void scrapeNeedsAnExplicitPolicyRule() throws Exception {
    service(AccessPolicy.parse("allow user=ops sshrpc_metrics:scrape/0\nallow *\n"));
    PipeTransport opsPipe = new PipeTransport();
    RpcSession ops = service.openSession("ops", null, null, opsPipe);
    byte[] f = PipeTransport.frame(mfa("sshrpc_metrics", "scrape"));
    ops.feed(f, 0, f.length);
    Term answer = opsPipe.take();
    assertEquals(0, status(answer), answer.toString());
    String text = ((ErlBinary) answerValue(answer)).utf8String();
    PrometheusText.parse(text);
    assertTrue(text.contains("sshrpc_sessions_active"), text);

    PipeTransport alicePipe = new PipeTransport();
    RpcSession alice = service.openSession("alice", null, null, alicePipe);
    alice.feed(f, 0, f.length);
    Term denied = alicePipe.take();
    assertEquals(-1, status(denied));
    assertTrue(denied.toString().contains("sshrpc_denied"), denied.toString());

    // modules/0 lists the metrics module only to whom may call it.
    byte[] mods = PipeTransport.frame(mfa("sshrpc", "modules"));
    ops.feed(mods, 0, mods.length);
    alice.feed(mods, 0, mods.length);
    assertTrue(answerValue(opsPipe.take()).toString().contains("sshrpc_metrics"));
    assertFalse(answerValue(alicePipe.take()).toString().contains("sshrpc_metrics"));
  }

  @Test
  void noPolicyMeansNoMetrics() throws Exception {
    service(AccessPolicy.ALLOW_ALL);
    PipeTransport pipe = new PipeTransport();
    RpcSession root = service.openSession("root", null, null, pipe);
    byte[] f = PipeTransport.frame(mfa("sshrpc_metrics", "scrape"));
    root.feed(f, 0, f.length);
    Term answer = pipe.take();
    assertEquals(-1, status(answer));
    assertTrue(answer.toString().contains("sshrpc_denied"), answer.toString());
  }

  @Test
  void withoutMetricsThereIsNoModule() throws Exception {
    service = RpcService.builder().policy(AccessPolicy.parse("allow sshrpc_metrics:*\nallow *\n")).build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("ops", null, null, pipe);
    byte[] f = PipeTransport.frame(mfa("sshrpc_metrics", "scrape"));
    s.feed(f, 0, f.length);
    Term answer = pipe.take();
    assertEquals(-1, status(answer));
    assertTrue(answer.toString().contains("undef"), answer.toString());
  }
}
