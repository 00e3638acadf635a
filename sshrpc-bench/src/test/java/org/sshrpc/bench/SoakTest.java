package org.sshrpc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.Terms;

/** The soak's command line, its policy and its hand-made attack frames (no network). */
class SoakTest {

  @Test
  void defaultsAndQuick() {
    Soak.Options o = Soak.parse(new String[0]);
    assertEquals(Duration.ofSeconds(180), o.duration());
    assertEquals(4, o.attackers());
    assertEquals(4, o.legit());
    assertEquals("256m", o.heap());
    assertEquals(EnumSet.allOf(SoakAttacks.Kind.class), o.attacks());
    assertEquals(Duration.ofSeconds(20), Soak.parse(new String[] {"soak", "--quick"}).duration());
    Soak.Options q = Soak.parse(new String[] {"--quick", "--duration", "90s", "--attackers", "8", "--legit", "2", "--heap", "512m", "--attacks", "1a,5,6B"});
    assertEquals(Duration.ofSeconds(90), q.duration());
    assertEquals(8, q.attackers());
    assertEquals(2, q.legit());
    assertEquals("512m", q.heap());
    assertEquals(EnumSet.of(SoakAttacks.Kind.HUGE_ERROR_REPLY, SoakAttacks.Kind.PREAUTH_IDLE, SoakAttacks.Kind.CAST_FLOOD), q.attacks());
    assertEquals(Duration.ofMinutes(3), Soak.duration("3m", "--duration"));
    assertEquals(Duration.ofMillis(500), Soak.duration("500ms", "--interval"));
  }

  @Test
  void badArgumentsSayWhatWasExpected() {
    assertEquals("--attackers 99 (expected: 0..64)",
        assertThrows(IllegalArgumentException.class, () -> Soak.parse(new String[] {"--attackers", "99"})).getMessage());
    assertEquals("--heap lots (expected: a -Xmx size such as 256m)",
        assertThrows(IllegalArgumentException.class, () -> Soak.parse(new String[] {"--heap", "lots"})).getMessage());
    assertEquals("--duration 1x (expected: a duration such as 180s, 3m or 500ms)",
        assertThrows(IllegalArgumentException.class, () -> Soak.parse(new String[] {"--duration", "1x"})).getMessage());
    assertEquals("unknown attack 7 (expected: 1a, 1b, 1c, 2, 3a, 3b, 4a, 4b, 5, 6a, 6b)",
        assertThrows(IllegalArgumentException.class, () -> Soak.parse(new String[] {"--attacks", "1a,7"})).getMessage());
  }

  @Test
  void policyLetsAttackersPingOnlyAndLegitimateUsersTheirCalls() {
    AccessPolicy p = AccessPolicy.parse(SoakPolicy.text(List.of("legit1", "legit2"), List.of("mallory1"), false));
    for (String u : List.of("legit1", "legit2")) {
      assertTrue(p.allows(u, null, "lists", "seq", 2));
      assertTrue(p.allows(u, null, "sshrpc", "echo", 1));
      assertTrue(p.allows(u, null, "sshrpc_counter", "start", 1));
      assertFalse(p.allows(u, null, "lists", "max", 1));
    }
    assertTrue(p.allows("mallory1", null, "sshrpc", "ping", 0));
    assertFalse(p.allows("mallory1", null, "lists", "seq", 2));
    assertFalse(p.allows("mallory1", null, "sshrpc_counter", "start", 1));
    assertFalse(p.allows("mallory1", null, "sshrpc", "echo", 1));
    AccessPolicy insider = AccessPolicy.parse(SoakPolicy.text(List.of("legit1"), List.of("mallory1"), true));
    assertTrue(insider.allows("mallory1", null, "lists", "seq", 2));
    assertTrue(insider.allows("mallory1", null, "lists", "max", 1));
    assertFalse(insider.allows("mallory1", null, "sshrpc", "echo", 1));
  }

  private static Term decode(byte[] frame) throws Exception {
    int len = ((frame[0] & 0xff) << 24) | ((frame[1] & 0xff) << 16) | ((frame[2] & 0xff) << 8) | (frame[3] & 0xff);
    assertEquals(frame.length - 4, len, "frame length header");
    return TermDecoder.DEFAULT.decode(Arrays.copyOfRange(frame, 4, frame.length));
  }

  @Test
  void attackFramesAreWhatTheIssueDescribes() throws Exception {
    SoakFrames f = new SoakFrames();
    assertTrue(f.hugeBadRequest.length < 100_000, "1a frame is " + f.hugeBadRequest.length + " bytes");
    Term huge = decode(f.hugeBadRequest);
    assertEquals(SoakFrames.HUGE_BINARY, ((ErlBinary) huge).size());
    huge = null;

    ErlTuple seq = (ErlTuple) decode(f.seqBignum);
    ErlList seqArgs = (ErlList) ((ErlTuple) seq.get(1)).get(2);
    BigInteger b = ((ErlInteger) seqArgs.get(1)).bigValue();
    assertEquals(16 * 1024, (b.bitLength() + 7) / 8);
    assertEquals(b.subtract(BigInteger.valueOf(19_999)), ((ErlInteger) seqArgs.get(0)).bigValue());

    assertTrue(f.maxMixed.length < 2_000, "3a frame is " + f.maxMixed.length + " bytes");
    ErlList maxList = (ErlList) ((ErlList) ((ErlTuple) ((ErlTuple) decode(f.maxMixed)).get(1)).get(2)).get(0);
    assertEquals(60_001, maxList.size());

    ErlList bigs = (ErlList) decode(f.bignumGarbage);
    assertEquals(400, bigs.size());
    assertTrue(f.bignumGarbage.length < 100_000, "3b frame is " + f.bignumGarbage.length + " bytes");

    ErlTuple cast = (ErlTuple) decode(f.castBigArg);
    assertTrue(cast.isTagged("cast", 4));
    ErlList castArgs = (ErlList) cast.get(3);
    assertEquals(SoakFrames.CAST_BINARY, ((ErlBinary) castArgs.get(0)).size());
    assertEquals(ErlInteger.of(1), castArgs.get(1));

    ErlPid pid = ErlPid.of(Terms.atom("sshrpc@host"), 7, 0, 1);
    ErlTuple send = (ErlTuple) decode(SoakFrames.bigDelivery(pid));
    assertTrue(send.isTagged("send", 3));
    assertEquals(pid, send.get(1));
    assertEquals(SoakFrames.DELIVERY_BINARY, ((ErlBinary) send.get(2)).size());
  }
}
