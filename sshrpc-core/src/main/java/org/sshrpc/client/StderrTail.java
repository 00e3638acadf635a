package org.sshrpc.client;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The start of what the server wrote on a channel's stderr (SSH extended data), kept to name the
 * cause when the channel closes before it spoke: {@code sshrpc stdio} under OpenSSH writes its
 * start-up failure there ("sshrpc stdio: policy.conf: No such file or directory") before exiting.
 * Bounded to {@value #MAX} bytes; extended data carries no RPC.
 */
final class StderrTail extends OutputStream {
  static final int MAX = 1024;

  private final byte[] buf = new byte[MAX];
  private int len;

  @Override
  public synchronized void write(int b) {
    if (len < MAX) {
      buf[len++] = (byte) b;
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int n) {
    int k = Math.min(n, MAX - len);
    if (k > 0) {
      System.arraycopy(b, off, buf, len, k);
      len += k;
    }
  }

  /** {@code "; the server said: TEXT"} (one line, controls replaced), or {@code ""} if nothing came. */
  synchronized String suffix() {
    String s = new String(buf, 0, len, StandardCharsets.UTF_8).strip();
    if (s.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.append(c == '\n' ? " / " : Character.isISOControl(c) ? " " : new String(Character.toChars(c))));
    return "; the server said: " + b.toString().replace("\r", "").strip();
  }
}
