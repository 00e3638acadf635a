package org.sshrpc.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The v1 request frames the raw clients send, encoded by hand (External Term Format as OTP 25
 * writes it) so that the transport baselines do not depend on our codec.
 */
final class V1Frames {
  private V1Frames() {}

  /** {@code <<Len:32, term_to_binary({mfa,{lists,seq,[1,100]}})>>}. */
  static byte[] seqRequest() {
    ByteBuffer b = ByteBuffer.allocate(64);
    b.put((byte) 131);
    mfaHead(b, "lists", "seq");
    b.put((byte) 107).putShort((short) 2).put((byte) 1).put((byte) 100); // STRING_EXT [1,100]
    return frame(b);
  }

  /** {@code <<Len:32, term_to_binary({mfa,{bench,echo,[Payload]}})>>} with a binary payload. */
  static byte[] echoRequest(byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(64 + payload.length);
    b.put((byte) 131);
    mfaHead(b, "bench", "echo");
    b.put((byte) 108).putInt(1); // LIST_EXT, one element
    b.put((byte) 109).putInt(payload.length).put(payload); // BINARY_EXT
    b.put((byte) 106); // NIL_EXT tail
    return frame(b);
  }

  private static void mfaHead(ByteBuffer b, String m, String f) {
    b.put((byte) 104).put((byte) 2); // SMALL_TUPLE_EXT {mfa, {M,F,A}}
    atom(b, "mfa");
    b.put((byte) 104).put((byte) 3);
    atom(b, m);
    atom(b, f);
  }

  private static void atom(ByteBuffer b, String name) {
    byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
    b.put((byte) 100).putShort((short) n.length).put(n); // ATOM_EXT
  }

  private static byte[] frame(ByteBuffer body) {
    body.flip();
    byte[] out = new byte[4 + body.remaining()];
    ByteBuffer.wrap(out).putInt(body.remaining()).put(body);
    return out;
  }
}
