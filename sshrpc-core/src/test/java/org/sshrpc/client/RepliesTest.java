package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import org.junit.jupiter.api.Test;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

class RepliesTest {
  private static Term exit(Term r) {
    return tuple(atom("EXIT"), r);
  }

  @Test
  void mapsEveryDocumentedReason() {
    Term mfa = tuple(atom("m"), atom("f"), list(), list());
    assertEquals(Status.NOT_FOUND, Replies.statusOf(exit(tuple(atom("undef"), list(mfa)))));
    assertEquals(Status.PERMISSION_DENIED, Replies.statusOf(exit(tuple(atom("sshrpc_denied"), tuple(atom("m"), atom("f"), Terms.integer(0))))));
    assertEquals(Status.PERMISSION_DENIED, Replies.statusOf(tuple(atom("sshrpc_denied"), tuple(atom("m"), atom("f"), Terms.integer(0)))));
    assertEquals(Status.RAISED, Replies.statusOf(exit(tuple(atom("badarg"), list(mfa)))));
    assertEquals(Status.RAISED, Replies.statusOf(exit(atom("function_clause"))));
    assertEquals(Status.RAISED, Replies.statusOf(exit(tuple(atom("java_exception"), Terms.binary("X"), Terms.binary("m")))));
    assertEquals(Status.DEADLINE_EXCEEDED, Replies.statusOf(atom("timeout")));
    assertEquals(Status.RESOURCE_EXHAUSTED, Replies.statusOf(tuple(atom("reply_too_large"), Terms.integer(5000000), Terms.integer(1048576))));
    assertEquals(Status.RESOURCE_EXHAUSTED, Replies.statusOf(exit(tuple(atom("reply_too_large"), atom("over_limit"), Terms.integer(16777216)))));
    assertEquals(Status.DEADLINE_EXCEEDED, Replies.statusOf(exit(atom("timeout"))));
    assertEquals(Status.CANCELLED, Replies.statusOf(atom("cancelled")));
    assertEquals(Status.RESOURCE_EXHAUSTED, Replies.statusOf(atom("overloaded")));
    assertEquals(Status.RESOURCE_EXHAUSTED, Replies.statusOf(exit(atom("overloaded"))));
    assertEquals(Status.INVALID_REQUEST, Replies.statusOf(tuple(atom("badrequest"), atom("x"))));
    assertEquals(Status.INVALID_REQUEST, Replies.statusOf(tuple(atom("exec_error"), atom("x"))));
    assertEquals(Status.INVALID_REQUEST, Replies.statusOf(tuple(atom("badframe"), Terms.binary("x"))));
    assertEquals(Status.INVALID_REQUEST, Replies.statusOf(tuple(atom("frame_too_large"), tuple(Terms.integer(9), Terms.integer(8)))));
    assertEquals(Status.RESOURCE_EXHAUSTED, Replies.statusOf(tuple(atom("overloaded"), atom("x"))));
    assertEquals(Status.UNAVAILABLE, Replies.statusOf(atom("noconnection")));
    assertEquals(Status.INTERNAL, Replies.statusOf(Terms.integer(7)));
  }

  @Test
  void v1FailuresBecomeTheV2ReasonShape() {
    Term reason = exit(atom("badarith"));
    assertEquals(reason, Replies.v1Reason(tuple(atom("exec_badrpc"), reason)));
    Term execError = tuple(atom("exec_error"), atom("junk"));
    assertEquals(execError, Replies.v1Reason(execError));
    RpcException e = Replies.error("m:f/0", reason);
    assertEquals(Status.RAISED, e.status());
    assertEquals(reason, e.reason());
    assertEquals("RAISED: m:f/0 failed: {'EXIT',badarith}", e.getMessage());
  }

  @Test
  void aRefusedFrameFailsWithTheReasonAndItsDetail() {
    RpcException e = Replies.refused("t:echo/1", atom("badframe"), Terms.binary("nesting depth 51 exceeds maxDepth (50)"));
    assertEquals(Status.INVALID_REQUEST, e.status());
    assertEquals(tuple(atom("badframe"), Terms.binary("nesting depth 51 exceeds maxDepth (50)")), e.reason());
    assertEquals(
        "INVALID_REQUEST: t:echo/1 refused by the server: badframe: nesting depth 51 exceeds maxDepth (50)", e.getMessage());
    RpcException o = Replies.refused("t:echo/1", atom("overloaded"), tuple(atom("memory"), Terms.integer(10), Terms.integer(2)));
    assertEquals(Status.RESOURCE_EXHAUSTED, o.status());
    assertEquals("RESOURCE_EXHAUSTED: t:echo/1 refused by the server: overloaded: {memory,10,2}", o.getMessage());
  }
}
