package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CallTableTest {
  private static PendingCall call(CallTable t) {
    PendingCall p = new PendingCall(t.nextId(), "m:f/0", false, null, x -> {});
    t.add(p);
    return p;
  }

  @Test
  void idsAreUniqueAndAReplyFindsItsCallOnce() {
    CallTable t = new CallTable();
    PendingCall a = call(t);
    PendingCall b = call(t);
    assertNotEquals(a.id, b.id);
    assertSame(b, t.remove(b.id));
    assertNull(t.remove(b.id), "a second reply finds nothing");
    assertEquals(1, t.size());
  }

  @Test
  void v1AnswersGoToCallsInSendOrder() {
    CallTable t = new CallTable();
    PendingCall a = call(t);
    PendingCall b = call(t);
    t.sentV1(a);
    t.sentV1(b);
    assertSame(a, t.nextV1Answer());
    assertSame(b, t.nextV1Answer());
    assertNull(t.nextV1Answer());
    assertEquals(0, t.size());
  }

  @Test
  void aFrameIsForgottenWithItsReplyAndFoundByItsError() {
    CallTable t = new CallTable();
    PendingCall a = call(t);
    PendingCall b = call(t);
    t.sentInFrame(a, 2);
    t.sentInFrame(b, 3);
    t.remove(a.id);
    assertEquals(1, t.framesRemembered(), "the replied call's frame is forgotten");
    assertNull(t.removeByFrame(2));
    assertSame(b, t.removeByFrame(3));
    assertEquals(0, t.size());
    assertEquals(0, t.framesRemembered());
  }

  @Test
  void removingAnAbandonedCallIsOnceAndDrainTakesTheRest() {
    CallTable t = new CallTable();
    PendingCall a = call(t);
    PendingCall b = call(t);
    t.sentV1(b);
    assertTrue(t.remove(a));
    assertFalse(t.remove(a));
    List<PendingCall> left = t.drain();
    assertEquals(List.of(b), left);
    assertEquals(0, t.size());
    assertNull(t.nextV1Answer());
  }
}
