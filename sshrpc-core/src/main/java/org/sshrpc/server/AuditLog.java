package org.sshrpc.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * The server's audit trail: one line per call and one per refused connection or failed
 * authentication, written at INFO to the SLF4J logger {@value #LOGGER} so an operator can route it
 * apart from diagnostics. Lines are {@code key=value} pairs (values with spaces or quotes are
 * double-quoted with {@code \"} escapes), for example:
 *
 * <p>A line carries no time of its own: the logging backend stamps each line once (the {@code
 * sshrpc} command's format is {@code 2026-11-26T16:20:01.123Z INFO sshrpc.audit - call ...}).
 *
 * <pre>
 * call user=alice key=SHA256:xW1... from=127.0.0.1:50122 mfa=lists:seq/2 status=ok duration_us=412
 * auth_failed user=bob key=SHA256:9aF... from=127.0.0.1:50130 method=publickey reason="key not in authorized_keys"
 * </pre>
 *
 * <p>Values that are not plain ASCII words are double-quoted, and a peer-chosen value cannot
 * forge or hide a record: every control (C0, DEL, C1 such as NEL), format (bidi overrides and
 * isolates, zero-width characters, BOM), separator (U+2028, U+2029, non-ASCII spaces) and
 * unassigned character and every lone surrogate is escaped as <code>&#92;u{XXXX}</code>, quotes and
 * backslashes as {@code \"} and {@code \\}. Each value is cut at {@value LogText#FIELD_MAX}
 * characters (then {@code ...}), so every line is bounded ({@link #MAX_LINE}).
 *
 * <p>Argument values are never written (they may be secrets); neither are Erlang error reasons,
 * which often contain them: a failed call's line carries only a status and, for Java exceptions,
 * the exception class. See {@code docs/limits.md} ("Audit log") for every field and status.
 *
 * <p>Thread-safe and stateless.
 */
final class AuditLog {
  /** The logger name operators route. */
  static final String LOGGER = "sshrpc.audit";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
  private static final ErlAtom UNDEF = ErlAtom.of("undef");
  private static final ErlAtom NOCONNECTION = ErlAtom.of("noconnection");

  /**
   * The longest line written (then cut, with {@code ...}). Every field is at most {@value
   * LogText#FIELD_MAX} characters and a line has at most seven, so this is never reached.
   */
  static final int MAX_LINE = 2048;

  /** A copy of every line, for tests; null in production. */
  static volatile java.util.function.Consumer<String> tap;

  private AuditLog() {}

  private static void info(String unbounded) {
    String line = bounded(unbounded);
    LOG.info(line);
    java.util.function.Consumer<String> t = tap;
    if (t != null) {
      t.accept(line);
    }
  }

  private static void warn(String unbounded) {
    String line = bounded(unbounded);
    LOG.warn(line);
    java.util.function.Consumer<String> t = tap;
    if (t != null) {
      t.accept(line);
    }
  }

  static boolean enabled() {
    return LOG.isInfoEnabled();
  }

  /**
   * Logs one finished call, cast or spawn.
   *
   * @param kind {@code call}, {@code cast} or {@code spawn}
   * @param startNanos {@link System#nanoTime()} when the request was received
   */
  static void call(
      String kind,
      String user,
      String keyFingerprint,
      SocketAddress from,
      String module,
      String function,
      int arity,
      Outcome outcome,
      long startNanos) {
    if (!LOG.isInfoEnabled() && tap == null) {
      return;
    }
    long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos);
    StringBuilder b = new StringBuilder(160);
    b.append(kind);
    field(b, "user", user);
    field(b, "key", keyFingerprint == null ? "-" : keyFingerprint);
    field(b, "from", address(from));
    field(b, "mfa", module + ":" + function + "/" + arity);
    field(b, "status", status(outcome));
    String exception = exceptionClass(outcome);
    if (exception != null) {
      field(b, "exception", exception);
    }
    b.append(" duration_us=").append(micros);
    info(b.toString());
  }

  /** Logs a request that never named a function (malformed request, undecodable frame). */
  static void badRequest(String user, String keyFingerprint, SocketAddress from, String detail) {
    if (!LOG.isInfoEnabled() && tap == null) {
      return;
    }
    StringBuilder b = new StringBuilder(160);
    b.append("bad_request");
    field(b, "user", user);
    field(b, "key", keyFingerprint == null ? "-" : keyFingerprint);
    field(b, "from", address(from));
    field(b, "reason", detail);
    info(b.toString());
  }

  /** Logs a failed authentication attempt or an unauthenticated connection that was closed. */
  static void authFailed(String user, String keyFingerprint, SocketAddress from, String method, String reason) {
    StringBuilder b = new StringBuilder(160);
    b.append("auth_failed");
    field(b, "user", user == null ? "-" : user);
    field(b, "key", keyFingerprint == null ? "-" : keyFingerprint);
    field(b, "from", address(from));
    field(b, "method", method == null ? "-" : method);
    field(b, "reason", reason);
    info(b.toString());
  }

  /** Logs a connection closed by a limit before or just after authentication. */
  static void connectionRefused(String user, SocketAddress from, String reason) {
    StringBuilder b = new StringBuilder(128);
    b.append("connection_refused");
    field(b, "user", user == null ? "-" : user);
    field(b, "from", address(from));
    field(b, "reason", reason);
    warn(b.toString());
  }

  /** Logs an authenticated connection the server closed (e.g. keepalives unanswered). */
  static void connectionClosed(String user, SocketAddress from, String reason) {
    StringBuilder b = new StringBuilder(128);
    b.append("connection_closed");
    field(b, "user", user == null ? "-" : user);
    field(b, "from", address(from));
    field(b, "reason", reason);
    warn(b.toString());
  }

  /** Logs a channel closed by the server for a limit or a protocol violation. */
  static void channelClosed(String user, String keyFingerprint, SocketAddress from, String reason) {
    StringBuilder b = new StringBuilder(128);
    b.append("channel_closed");
    field(b, "user", user);
    field(b, "key", keyFingerprint == null ? "-" : keyFingerprint);
    field(b, "from", address(from));
    field(b, "reason", reason);
    warn(b.toString());
  }

  /**
   * Logs a process operation the policy or the receiving process refused: {@code op} is the verb,
   * {@code target} the pid or name it aimed at (cut to {@value #TARGET_CHARS} characters), {@code
   * owner} the other user whose process it was, or null. Never the message itself. {@code count}
   * is how many the channel has had refused so far (the caller logs a sample once there are many).
   */
  static void processRefused(
      String user, String keyFingerprint, SocketAddress from, String op, String target, String owner,
      String reason, long count) {
    if (!LOG.isInfoEnabled() && tap == null) {
      return;
    }
    StringBuilder b = new StringBuilder(192);
    b.append("process_refused");
    field(b, "user", user);
    field(b, "key", keyFingerprint == null ? "-" : keyFingerprint);
    field(b, "from", address(from));
    field(b, "op", op);
    field(b, "target", target.length() > TARGET_CHARS ? target.substring(0, TARGET_CHARS) + "..." : target);
    if (owner != null) {
      field(b, "owner", owner);
    }
    field(b, "reason", reason);
    b.append(" count=").append(count);
    info(b.toString());
  }

  private static final int TARGET_CHARS = 96;

  /**
   * The status word of an outcome: {@code ok}, {@code raised}, {@code undef}, {@code denied},
   * {@code timeout}, {@code cancelled}, {@code overloaded}, {@code noconnection}, {@code error}.
   */
  static String status(Outcome o) {
    if (o.ok()) {
      return "ok";
    }
    Term v = o.value();
    if (o.exit()) {
      return v instanceof ErlTuple && ((ErlTuple) v).arity() > 0 && UNDEF.equals(((ErlTuple) v).get(0)) ? "undef" : "raised";
    }
    if (v instanceof ErlTuple && ((ErlTuple) v).arity() > 0 && RpcService.DENIED.equals(((ErlTuple) v).get(0))) {
      return "denied";
    }
    if (v instanceof ErlAtom) {
      ErlAtom a = (ErlAtom) v;
      if (a.equals(Outcome.TIMEOUT) || a.equals(Outcome.CANCELLED) || a.equals(Outcome.OVERLOADED) || a.equals(NOCONNECTION)) {
        return a.name();
      }
    }
    return "error";
  }

  /** The Java exception class of a {@code {java_exception, Class, Message}} reason, else null. */
  private static String exceptionClass(Outcome o) {
    if (o.ok() || !(o.value() instanceof ErlTuple)) {
      return null;
    }
    ErlTuple t = (ErlTuple) o.value();
    if (t.arity() == 3 && RpcService.JAVA_EXCEPTION.equals(t.get(0)) && t.get(1) instanceof ErlBinary) {
      return ((ErlBinary) t.get(1)).utf8String();
    }
    return null;
  }

  private static String address(SocketAddress a) {
    if (a instanceof InetSocketAddress) {
      InetSocketAddress i = (InetSocketAddress) a;
      String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
    }
    return a == null ? "-" : a.toString();
  }

  /**
   * Appends {@code key=value}: bare when safe, else quoted with every control, format, separator
   * and unassigned character escaped as <code>&#92;u{XXXX}</code> and {@code \"}, {@code \\} (see {@link
   * LogText}), at most {@value LogText#FIELD_MAX} characters (then {@code ...}).
   */
  private static void field(StringBuilder b, String key, String value) {
    b.append(' ').append(key).append('=');
    LogText.appendField(b, value, LogText.FIELD_MAX);
  }

  /** A line cut at {@link #MAX_LINE} characters: a backstop, since every field is bounded. */
  static String bounded(String line) {
    return line.length() <= MAX_LINE ? line : line.substring(0, MAX_LINE) + LogText.CUT;
  }
}
