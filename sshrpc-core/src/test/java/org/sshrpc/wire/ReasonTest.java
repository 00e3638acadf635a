package org.sshrpc.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sshrpc.Status;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermParser;

/** The one mapping from wire reason terms to reasons, statuses and labels (docs/protocol.md). */
class ReasonTest {
  private static void check(String term, Reason reason, Status status, String label) {
    Term t = TermParser.parseTerm(term);
    Reason r = Reason.of(t);
    assertEquals(reason, r, term);
    assertEquals(status, r.status(), term);
    assertEquals(label, r.label(), term);
  }

  @Test
  void everyWireReasonMapsOnce() {
    check("{'EXIT', {badarith, []}}", Reason.RAISED, Status.RAISED, "raised");
    check("{'EXIT', {undef, {m, f, 1}}}", Reason.UNDEF, Status.NOT_FOUND, "undef");
    check("{'EXIT', {sshrpc_denied, {m, f, 1}}}", Reason.DENIED, Status.PERMISSION_DENIED, "denied");
    check("{sshrpc_denied, {m, f, 1}}", Reason.DENIED, Status.PERMISSION_DENIED, "denied");
    check("{undef, {m, f, 1}}", Reason.UNDEF, Status.NOT_FOUND, "undef");
    check("timeout", Reason.TIMEOUT, Status.DEADLINE_EXCEEDED, "timeout");
    check("{'EXIT', timeout}", Reason.TIMEOUT, Status.DEADLINE_EXCEEDED, "timeout");
    check("cancelled", Reason.CANCELLED, Status.CANCELLED, "cancelled");
    check("overloaded", Reason.OVERLOADED, Status.RESOURCE_EXHAUSTED, "overloaded");
    check("{overloaded, {memory, 1, 2}}", Reason.OVERLOADED, Status.RESOURCE_EXHAUSTED, "overloaded");
    check("{'EXIT', overloaded}", Reason.OVERLOADED, Status.RESOURCE_EXHAUSTED, "overloaded");
    check("{reply_too_large, 100, 10}", Reason.REPLY_TOO_LARGE, Status.RESOURCE_EXHAUSTED, "reply_too_large");
    check("{'EXIT', {reply_too_large, over_limit, 10}}", Reason.REPLY_TOO_LARGE, Status.RESOURCE_EXHAUSTED, "reply_too_large");
    check("noconnection", Reason.NOCONNECTION, Status.UNAVAILABLE, "noconnection");
    check("{badrequest, <<\"x\">>}", Reason.BADREQUEST, Status.INVALID_REQUEST, "badrequest");
    check("{exec_error, foo}", Reason.EXEC_ERROR, Status.INVALID_REQUEST, "badrequest");
    check("{badframe, <<\"x\">>}", Reason.BADFRAME, Status.INVALID_REQUEST, "badrequest");
    check("{frame_too_large, <<\"x\">>}", Reason.FRAME_TOO_LARGE, Status.INVALID_REQUEST, "badrequest");
    check("{'EXIT', {java_exception, <<\"E\">>, <<\"m\">>}}", Reason.RAISED, Status.RAISED, "raised");
  }

  @Test
  void shapesThatOnlyLookLikeAReasonAreNotOne() {
    // A function that raises exit({overloaded, x}) raised; it was not refused.
    check("{'EXIT', {overloaded, x}}", Reason.RAISED, Status.RAISED, "raised");
    check("{timeout, 5}", Reason.UNKNOWN, Status.INTERNAL, "error");
    check("sshrpc_denied", Reason.UNKNOWN, Status.INTERNAL, "error");
    check("{reply_too_large, 1}", Reason.UNKNOWN, Status.INTERNAL, "error");
    check("something_else", Reason.UNKNOWN, Status.INTERNAL, "error");
    check("<<\"text\">>", Reason.UNKNOWN, Status.INTERNAL, "error");
  }
}
