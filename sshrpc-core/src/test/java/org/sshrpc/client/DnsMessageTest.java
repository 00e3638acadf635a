package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The DNS codec against well-formed, truncated and hostile responses. */
class DnsMessageTest {
  static final int ID = 0x1234;

  /** A response builder: header, the question, then raw record bytes. */
  static final class Msg {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Msg(int id, int flags, int qd, int an, int ns, int ar) {
      u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }

    Msg u16(int v) {
      out.write(v >> 8);
      out.write(v);
      return this;
    }

    Msg u32(long v) {
      return u16((int) (v >>> 16)).u16((int) v);
    }

    Msg bytes(int... bs) {
      for (int b : bs) {
        out.write(b);
      }
      return this;
    }

    Msg name(String n) {
      byte[] b = DnsMessage.encodeName(n);
      out.write(b, 0, b.length);
      return this;
    }

    Msg question(String n, int type) {
      return name(n).u16(type).u16(1);
    }

    Msg a(int nameOffset, long ttl, int... addr) {
      return u16(0xC000 | nameOffset).u16(DnsMessage.TYPE_A).u16(1).u32(ttl).u16(addr.length).bytes(addr);
    }

    byte[] get() {
      return out.toByteArray();
    }
  }

  static DnsMessage.Response parse(byte[] m, String q, int type) throws ProtocolException {
    return DnsMessage.parse(m, m.length, ID, q, type);
  }

  @Test
  void queryIsOneQuestionWithEdns() {
    byte[] q = DnsMessage.query(ID, "fleet.test", DnsMessage.TYPE_SRV);
    assertEquals(0x12, q[0]);
    assertEquals(0x34, q[1]);
    assertEquals(0x01, q[2]); // RD
    assertEquals(1, q[5]); // QDCOUNT
    assertEquals(1, q[11]); // ARCOUNT: OPT
    assertEquals(5, q[12]); // "fleet"
    assertEquals(12 + 12 + 4 + 11, q.length);
  }

  @Test
  void readsCompressedAnswersAndTtls() throws Exception {
    byte[] m = new Msg(ID, 0x8180, 1, 2, 0, 0).question("Fleet.Test", 1)
        .a(12, 30, 127, 0, 0, 2)
        .a(12, 0x80000000L, 127, 0, 0, 3) // top bit set: TTL 0 (RFC 2181)
        .get();
    DnsMessage.Response r = parse(m, "fleet.test", 1);
    assertEquals(2, r.records.size());
    assertEquals("fleet.test", r.records.get(0).name);
    assertEquals("127.0.0.2", r.records.get(0).address.getHostAddress());
    assertEquals(30, r.records.get(0).ttlSeconds);
    assertEquals(0, r.records.get(1).ttlSeconds);
  }

  @Test
  void readsSrvWithCompressedTarget() throws Exception {
    Msg b = new Msg(ID, 0x8180, 1, 1, 0, 0).question("_s._tcp.x", 33);
    // SRV rdata: prio 10, weight 3, port 2222, target "r1" + pointer to "x" (offset 12 + 3 + 5 = 20).
    b.u16(0xC00C).u16(33).u16(1).u32(60).u16(6 + 3 + 2).u16(10).u16(3).u16(2222).bytes(2, 'r', '1').u16(0xC000 | 20);
    DnsMessage.Response r = parse(b.get(), "_s._tcp.x", 33);
    DnsMessage.Record s = r.records.get(0);
    assertEquals(List.of(10, 3, 2222, "r1.x"), List.of(s.priority, s.weight, s.port, s.target));
  }

  @Test
  void aWrongIdIsRefused() {
    byte[] m = new Msg(ID + 1, 0x8180, 1, 0, 0, 0).question("x", 1).get();
    ProtocolException e = assertThrows(ProtocolException.class, () -> parse(m, "x", 1));
    assertEquals("DNS response id 4661 does not match the query's 4660", e.getMessage());
  }

  @Test
  void anotherQuestionIsRefused() {
    byte[] m = new Msg(ID, 0x8180, 1, 0, 0, 0).question("evil.example", 1).get();
    ProtocolException e = assertThrows(ProtocolException.class, () -> parse(m, "fleet.test", 1));
    assertEquals("DNS response answers evil.example type 1 class 1 (expected: fleet.test type 1 class 1)", e.getMessage());
    byte[] two = new Msg(ID, 0x8180, 2, 0, 0, 0).question("x", 1).question("x", 1).get();
    assertEquals("DNS response has 2 questions (expected: 1)",
        assertThrows(ProtocolException.class, () -> parse(two, "x", 1)).getMessage());
    byte[] query = new Msg(ID, 0x0100, 1, 0, 0, 0).question("x", 1).get();
    assertEquals("DNS message is not a response (QR bit clear)",
        assertThrows(ProtocolException.class, () -> parse(query, "x", 1)).getMessage());
  }

  @Test
  void aPointerLoopIsRefused() {
    // The answer (at offset 19, after the question for "x") has a name pointing to itself.
    byte[] self = new Msg(ID, 0x8180, 1, 1, 0, 0).question("x", 1).u16(0xC000 | 19).get();
    assertEquals("DNS name pointer at offset 19 to 19 does not point backwards (expected: < 19)",
        assertThrows(ProtocolException.class, () -> parse(self, "x", 1)).getMessage());
    // Two pointers pointing at each other: the second one must point before the first's target.
    byte[] pair = new Msg(ID, 0x8180, 1, 1, 0, 0).question("x", 1).u16(0xC000 | 21).u16(0xC000 | 19).get();
    assertThrows(ProtocolException.class, () -> parse(pair, "x", 1));
    // A label then a pointer back to that label.
    byte[] labelLoop = new Msg(ID, 0x8180, 1, 1, 0, 0).question("x", 1).bytes(1, 'a').u16(0xC000 | 19).get();
    assertEquals("DNS name pointer at offset 21 to 19 does not point backwards (expected: < 19)",
        assertThrows(ProtocolException.class, () -> parse(labelLoop, "x", 1)).getMessage());
  }

  @Test
  void aForwardPointerIsRefused() {
    byte[] m = new Msg(ID, 0x8180, 1, 1, 0, 0).question("x", 1).u16(0xC000 | 200).get();
    assertEquals("DNS name pointer at offset 19 to 200 does not point backwards (expected: < 19)",
        assertThrows(ProtocolException.class, () -> parse(m, "x", 1)).getMessage());
  }

  @Test
  void truncatedMessagesAreRefusedWhereverCut() throws Exception {
    byte[] whole = new Msg(ID, 0x8180, 1, 2, 0, 0).question("fleet.test", 1)
        .a(12, 30, 127, 0, 0, 2).a(12, 30, 127, 0, 0, 3).get();
    assertEquals(2, parse(whole, "fleet.test", 1).records.size());
    for (int len = 0; len < whole.length; len++) {
      int l = len;
      assertThrows(ProtocolException.class, () -> DnsMessage.parse(whole, l, ID, "fleet.test", 1), "cut at " + len);
    }
  }

  @Test
  void badRecordLengthsAndLabelsAreRefused() {
    byte[] shortA = new Msg(ID, 0x8180, 1, 1, 0, 0).question("x", 1).a(12, 30, 127, 0, 0).get();
    assertEquals("DNS A record of 3 bytes at offset 31 (expected: 4)",
        assertThrows(ProtocolException.class, () -> parse(shortA, "x", 1)).getMessage());
    byte[] longRd = new Msg(ID, 0x8180, 1, 1, 0, 0).question("x", 1).u16(0xC00C).u16(1).u16(1).u32(1).u16(60000).get();
    assertEquals("DNS message truncated: 60000 bytes needed at offset 31 of 31",
        assertThrows(ProtocolException.class, () -> parse(longRd, "x", 1)).getMessage());
    byte[] extLabel = new Msg(ID, 0x8180, 1, 1, 0, 0).question("x", 1).bytes(0x41).get();
    assertEquals("DNS label type 0x40 at offset 19 (expected: a length or a pointer)",
        assertThrows(ProtocolException.class, () -> parse(extLabel, "x", 1)).getMessage());
    byte[] binary = new Msg(ID, 0x8180, 1, 0, 0, 0).bytes(1, 0x0A, 0).u16(1).u16(1).get();
    assertEquals("DNS label at offset 12 has byte 0xa (expected: printable ASCII)",
        assertThrows(ProtocolException.class, () -> parse(binary, "x", 1)).getMessage());
  }

  @Test
  void aLongNameIsRefused() {
    // 130 labels of one byte, each a pointer chain link backwards would be legal, but the name is
    // over 255 bytes.
    Msg b = new Msg(ID, 0x8180, 1, 0, 0, 0);
    for (int i = 0; i < 130; i++) {
      b.bytes(1, 'a');
    }
    byte[] m = b.bytes(0).u16(1).u16(1).get();
    assertEquals("DNS name at offset 12 longer than 255 bytes",
        assertThrows(ProtocolException.class, () -> parse(m, "x", 1)).getMessage());
  }

  @Test
  void recordsBeyondTheCapAreIgnoredAndTheAuthoritySectionIsSkipped() throws Exception {
    Msg b = new Msg(ID, 0x8180, 1, 300, 1, 0).question("x", 1);
    for (int i = 0; i < 301; i++) {
      b.a(12, 5, 10, 0, i >> 8, i & 0xFF);
    }
    DnsMessage.Response r = parse(b.get(), "x", 1);
    assertEquals(DnsMessage.MAX_RECORDS, r.records.size());
  }

  @Test
  void truncationAndRcodesAreReported() throws Exception {
    byte[] tc = new Msg(ID, 0x8380, 1, 0, 0, 0).question("x", 1).get();
    assertTrue(parse(tc, "x", 1).truncated);
    byte[] nx = new Msg(ID, 0x8183, 1, 0, 0, 0).question("x", 1).get();
    assertEquals(DnsMessage.RCODE_NXDOMAIN, parse(nx, "x", 1).rcode);
  }

  @Test
  void randomBytesNeverEscapeAsAnythingButProtocolException() {
    Random rnd = new Random(42);
    byte[] head = new Msg(ID, 0x8180, 1, 3, 1, 2).question("fleet.test", 1).get();
    for (int i = 0; i < 20_000; i++) {
      byte[] m = new byte[head.length + rnd.nextInt(200)];
      System.arraycopy(head, 0, m, 0, head.length);
      for (int j = head.length; j < m.length; j++) {
        m[j] = (byte) rnd.nextInt(256);
      }
      if (m.length > head.length && rnd.nextInt(4) == 0) {
        m[head.length + rnd.nextInt(m.length - head.length)] = (byte) 0xC0;
      }
      try {
        parse(m, "fleet.test", 1);
      } catch (ProtocolException e) {
        // refused: fine
      }
    }
  }

  @Test
  void namesThatCannotBeSentAreRefusedBeforeAsking() {
    assertEquals("bad DNS name 'a..b': label of 0 bytes (expected: 1..63)",
        assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("a..b")).getMessage());
    assertEquals("bad DNS name 'a b': character 0x20",
        assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("a b")).getMessage());
  }
}
