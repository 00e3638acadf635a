package org.sshrpc.client;

import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The DNS wire format (RFC 1035), only as much as a resolver of A, AAAA and SRV records needs:
 * writing one query, and reading its response. Every response is treated as hostile: it must
 * answer our query (same id, the same single question), every read is bounds-checked against the
 * message, compressed names may only point backwards (so they cannot loop) and are bounded in
 * length and jumps, and at most {@link #MAX_RECORDS} records are kept.
 */
final class DnsMessage {
  static final int TYPE_A = 1;
  static final int TYPE_CNAME = 5;
  static final int TYPE_AAAA = 28;
  static final int TYPE_SRV = 33;
  static final int TYPE_OPT = 41;
  static final int CLASS_IN = 1;
  /** The UDP payload size we advertise with EDNS(0): the 2020 DNS flag day's safe value. */
  static final int EDNS_PAYLOAD = 1232;
  /** Records kept from one response; the rest are ignored. */
  static final int MAX_RECORDS = 256;
  /** Pointer jumps allowed in one name (a name has at most 127 labels). */
  static final int MAX_JUMPS = 127;
  static final int MAX_NAME = 255;
  static final int RCODE_NXDOMAIN = 3;

  private DnsMessage() {}

  /** One resource record of the answer or additional section that we understand. */
  static final class Record {
    final String name; // lower case, no trailing dot
    final int type;
    final long ttlSeconds;
    final InetAddress address; // A, AAAA
    final String target; // CNAME, SRV
    final int priority; // SRV
    final int weight;
    final int port;

    Record(String name, int type, long ttl, InetAddress address, String target, int priority, int weight, int port) {
      this.name = name;
      this.type = type;
      this.ttlSeconds = ttl;
      this.address = address;
      this.target = target;
      this.priority = priority;
      this.weight = weight;
      this.port = port;
    }

    @Override
    public String toString() {
      return name + " " + ttlSeconds + " " + type + " "
          + (address != null ? address.getHostAddress() : priority + " " + weight + " " + port + " " + target);
    }
  }

  /** A parsed response: its rcode, whether it was truncated, and the records we understand. */
  static final class Response {
    final int rcode;
    final boolean truncated;
    final List<Record> records;

    Response(int rcode, boolean truncated, List<Record> records) {
      this.rcode = rcode;
      this.truncated = truncated;
      this.records = List.copyOf(records);
    }
  }

  /** A query for {@code name} (dotted, no trailing dot needed) of {@code type}, with EDNS(0). */
  static byte[] query(int id, String name, int type) {
    byte[] qname = encodeName(name);
    byte[] m = new byte[12 + qname.length + 4 + 11];
    put16(m, 0, id);
    put16(m, 2, 0x0100); // RD
    put16(m, 4, 1); // QDCOUNT
    put16(m, 10, 1); // ARCOUNT: the OPT record
    System.arraycopy(qname, 0, m, 12, qname.length);
    int p = 12 + qname.length;
    put16(m, p, type);
    put16(m, p + 2, CLASS_IN);
    p += 4;
    m[p] = 0; // root name
    put16(m, p + 1, TYPE_OPT);
    put16(m, p + 3, EDNS_PAYLOAD);
    // TTL (extended rcode, version, flags) and RDLENGTH: zero.
    return m;
  }

  /** The wire form of a name; a name that cannot be sent is refused here, not by the server. */
  static byte[] encodeName(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (n.isEmpty()) {
      return new byte[] {0};
    }
    byte[] out = new byte[n.length() + 2];
    int p = 0;
    for (String label : n.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63) {
        throw new IllegalArgumentException("bad DNS name '" + name + "': label of " + label.length() + " bytes (expected: 1..63)");
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        if (c <= ' ' || c >= 0x7f) {
          throw new IllegalArgumentException("bad DNS name '" + name + "': character 0x" + Integer.toHexString(c));
        }
      }
      byte[] l = label.getBytes(StandardCharsets.US_ASCII);
      out[p++] = (byte) l.length;
      System.arraycopy(l, 0, out, p, l.length);
      p += l.length;
    }
    out[p] = 0;
    if (out.length > MAX_NAME) {
      throw new IllegalArgumentException("bad DNS name '" + name + "': " + out.length + " bytes (expected: <= 255)");
    }
    return out;
  }

  /**
   * Parses the response to the query {@code id} for {@code qname}/{@code qtype}.
   *
   * @throws ProtocolException if it is malformed or does not answer that query; the message says
   *     where
   */
  static Response parse(byte[] m, int len, int id, String qname, int qtype) throws ProtocolException {
    Reader r = new Reader(m, len);
    int rid = r.u16();
    int flags = r.u16();
    int qd = r.u16();
    int an = r.u16();
    int ns = r.u16();
    int ar = r.u16();
    if (rid != id) {
      throw new ProtocolException("DNS response id " + rid + " does not match the query's " + id);
    }
    if ((flags & 0x8000) == 0) {
      throw new ProtocolException("DNS message is not a response (QR bit clear)");
    }
    if (((flags >> 11) & 0xF) != 0) {
      throw new ProtocolException("DNS response opcode " + ((flags >> 11) & 0xF) + " (expected: 0)");
    }
    boolean tc = (flags & 0x0200) != 0;
    int rcode = flags & 0xF;
    if (qd != 1) {
      throw new ProtocolException("DNS response has " + qd + " questions (expected: 1)");
    }
    String name = r.name();
    int type = r.u16();
    int cls = r.u16();
    if (!name.equals(normalize(qname)) || type != qtype || cls != CLASS_IN) {
      throw new ProtocolException("DNS response answers " + name + " type " + type + " class " + cls
          + " (expected: " + normalize(qname) + " type " + qtype + " class 1)");
    }
    List<Record> out = new ArrayList<>();
    if (tc) {
      return new Response(rcode, true, out); // the caller asks again over TCP
    }
    int total = an + ns + ar;
    for (int i = 0; i < total; i++) {
      String rname = r.name();
      int rtype = r.u16();
      int rclass = r.u16();
      long ttl = r.u32();
      int rdlen = r.u16();
      int rdStart = r.pos;
      r.need(rdlen);
      boolean authority = i >= an && i < an + ns;
      if (!authority && rclass == CLASS_IN && out.size() < MAX_RECORDS) {
        // RFC 2181 §8: a TTL with the top bit set is treated as zero.
        long t = ttl > Integer.MAX_VALUE ? 0 : ttl;
        Record rec = record(r, rname, rtype, t, rdlen);
        if (rec != null) {
          out.add(rec);
        }
      }
      r.pos = rdStart + rdlen;
    }
    return new Response(rcode, false, out);
  }

  private static Record record(Reader r, String name, int type, long ttl, int rdlen) throws ProtocolException {
    int end = r.pos + rdlen;
    switch (type) {
      case TYPE_A:
      case TYPE_AAAA:
        int want = type == TYPE_A ? 4 : 16;
        if (rdlen != want) {
          throw new ProtocolException("DNS " + (type == TYPE_A ? "A" : "AAAA") + " record of " + rdlen
              + " bytes at offset " + r.pos + " (expected: " + want + ")");
        }
        byte[] a = new byte[want];
        System.arraycopy(r.m, r.pos, a, 0, want);
        try {
          return new Record(name, type, ttl, InetAddress.getByAddress(a), null, 0, 0, 0);
        } catch (UnknownHostException e) {
          throw new ProtocolException("DNS address record: " + e.getMessage());
        }
      case TYPE_CNAME:
        String cname = r.name();
        if (r.pos > end) {
          throw new ProtocolException("DNS CNAME record overruns its length at offset " + r.pos);
        }
        return new Record(name, type, ttl, null, cname, 0, 0, 0);
      case TYPE_SRV:
        if (rdlen < 7) {
          throw new ProtocolException("DNS SRV record of " + rdlen + " bytes at offset " + r.pos + " (expected: >= 7)");
        }
        int prio = r.u16();
        int weight = r.u16();
        int port = r.u16();
        String target = r.name();
        if (r.pos > end) {
          throw new ProtocolException("DNS SRV record overruns its length at offset " + r.pos);
        }
        return new Record(name, type, ttl, null, target, prio, weight, port);
      default:
        return null;
    }
  }

  /** Names compare in lower case without the trailing dot. */
  static String normalize(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return n.toLowerCase(Locale.ROOT);
  }

  private static void put16(byte[] m, int p, int v) {
    m[p] = (byte) (v >> 8);
    m[p + 1] = (byte) v;
  }

  /** Bounds-checked reads over {@code m[0, len)}. */
  private static final class Reader {
    final byte[] m;
    final int len;
    int pos;

    Reader(byte[] m, int len) {
      this.m = m;
      this.len = len;
    }

    void need(int n) throws ProtocolException {
      if (n < 0 || pos + n > len) {
        throw new ProtocolException("DNS message truncated: " + n + " bytes needed at offset " + pos
            + " of " + len);
      }
    }

    int u8() throws ProtocolException {
      need(1);
      return m[pos++] & 0xFF;
    }

    int u16() throws ProtocolException {
      need(2);
      int v = ((m[pos] & 0xFF) << 8) | (m[pos + 1] & 0xFF);
      pos += 2;
      return v;
    }

    long u32() throws ProtocolException {
      need(4);
      long v = ((long) (m[pos] & 0xFF) << 24) | ((m[pos + 1] & 0xFF) << 16) | ((m[pos + 2] & 0xFF) << 8) | (m[pos + 3] & 0xFF);
      pos += 4;
      return v;
    }

    /**
     * A possibly compressed name. Leaves {@link #pos} after the name as it appears here (after
     * the first pointer, if any). A pointer must point before the label it replaces, so following
     * pointers always moves backwards and ends; the jump count and the name length are bounded too.
     */
    String name() throws ProtocolException {
      StringBuilder sb = new StringBuilder();
      int p = pos;
      int after = -1;
      int jumps = 0;
      int wireLength = 1;
      int limit = p; // pointers must land strictly before this
      while (true) {
        if (p >= len) {
          throw new ProtocolException("DNS name runs past the end of the message at offset " + p);
        }
        int b = m[p] & 0xFF;
        if (b == 0) {
          p++;
          break;
        }
        int kind = b & 0xC0;
        if (kind == 0xC0) {
          if (p + 1 >= len) {
            throw new ProtocolException("DNS name pointer truncated at offset " + p);
          }
          int target = ((b & 0x3F) << 8) | (m[p + 1] & 0xFF);
          if (target >= limit) {
            throw new ProtocolException("DNS name pointer at offset " + p + " to " + target
                + " does not point backwards (expected: < " + limit + ")");
          }
          if (++jumps > MAX_JUMPS) {
            throw new ProtocolException("DNS name at offset " + pos + " has more than " + MAX_JUMPS + " pointers");
          }
          if (after < 0) {
            after = p + 2;
          }
          limit = target;
          p = target;
          continue;
        }
        if (kind != 0) {
          throw new ProtocolException("DNS label type 0x" + Integer.toHexString(kind) + " at offset " + p
              + " (expected: a length or a pointer)");
        }
        if (p + 1 + b > len) {
          throw new ProtocolException("DNS label of " + b + " bytes at offset " + p + " runs past the end of the message");
        }
        wireLength += b + 1;
        if (wireLength > MAX_NAME) {
          throw new ProtocolException("DNS name at offset " + pos + " longer than " + MAX_NAME + " bytes");
        }
        if (sb.length() > 0) {
          sb.append('.');
        }
        for (int i = 0; i < b; i++) {
          int c = m[p + 1 + i] & 0xFF;
          // Names become host names we connect to and print: keep to printable ASCII.
          if (c <= ' ' || c >= 0x7F) {
            throw new ProtocolException("DNS label at offset " + p + " has byte 0x" + Integer.toHexString(c)
                + " (expected: printable ASCII)");
          }
          sb.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
        }
        p += 1 + b;
      }
      pos = after >= 0 ? after : p;
      return sb.toString();
    }
  }
}
