package org.sshrpc.wire;

import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;

/**
 * Parsers from decoded terms to sshrpc messages. Each parser either returns a well-formed message
 * or throws {@link MessageFormatException} naming what was wrong and where, e.g. {@code "call:
 * element 5 (Args) must be a proper list, got: {1,2}"}.
 */
public final class Messages {
  static final ErlAtom MFA = ErlAtom.of("mfa");
  static final ErlAtom ANSWER = ErlAtom.of("answer");
  static final ErlAtom EXEC_BADRPC = ErlAtom.of("exec_badrpc");
  static final ErlAtom CALL = ErlAtom.of("call");
  static final ErlAtom CAST = ErlAtom.of("cast");
  static final ErlAtom CANCEL = ErlAtom.of("cancel");
  static final ErlAtom SPAWN = ErlAtom.of("spawn");
  static final ErlAtom SEND = ErlAtom.of("send");
  static final ErlAtom REGISTER = ErlAtom.of("register");
  static final ErlAtom WHEREIS = ErlAtom.of("whereis");
  static final ErlAtom MONITOR = ErlAtom.of("monitor");
  static final ErlAtom MAILBOX = ErlAtom.of("mailbox");
  static final ErlAtom EXIT = ErlAtom.of("exit");
  static final ErlAtom REPLY = ErlAtom.of("reply");
  static final ErlAtom MESSAGE = ErlAtom.of("message");
  static final ErlAtom INFINITY = ErlAtom.of("infinity");
  static final ErlAtom FRAME = ErlAtom.of("frame");

  /** Printed terms in error messages are cut to this many characters. */
  private static final int MAX_PRINTED = 120;

  private Messages() {}

  /**
   * Parses a message a client sent: {@code {mfa, ...}} in either shape, {@code sshrpc_hello}, or a
   * v2 request.
   *
   * @throws MessageFormatException if the term is not one of them, or is one with a bad field; for
   *     a v2 request with a readable id, the exception carries that id
   */
  public static ClientMessage parseRequest(Term term) throws MessageFormatException {
    if (!(term instanceof ErlTuple) || ((ErlTuple) term).arity() == 0) {
      throw new MessageFormatException("not a request tuple: " + print(term), term, -1, "not a request tuple");
    }
    ErlTuple t = (ErlTuple) term;
    if (!(t.get(0) instanceof ErlAtom)) {
      throw new MessageFormatException(
          "request tag must be an atom, got: " + print(t.get(0)), term, -1, "request tag must be an atom");
    }
    String tag = ((ErlAtom) t.get(0)).name();
    switch (tag) {
      case "mfa":
        return parseMfa(t);
      case "sshrpc_hello":
        return parseHello(t);
      case "call":
        {
          arity(t, 6);
          long id = id(t);
          return new ClientMessage.Call(
              id, atom(t, 2, "M", id), atom(t, 3, "F", id), args(t, 4, id), timeout(t, 5, id));
        }
      case "cast":
        arity(t, 4);
        return new ClientMessage.Cast(atom(t, 1, "M", -1), atom(t, 2, "F", -1), args(t, 3, -1));
      case "cancel":
        arity(t, 2);
        return new ClientMessage.Cancel(id(t));
      case "spawn":
        {
          arity(t, 5);
          long id = id(t);
          return new ClientMessage.Spawn(id, atom(t, 2, "M", id), atom(t, 3, "F", id), args(t, 4, id));
        }
      case "send":
        {
          arity(t, 3);
          Term dest = t.get(1);
          if (!(dest instanceof ErlPid) && !(dest instanceof ErlAtom)) {
            throw bad(t, "element 2 (Dest) must be a pid or an atom", dest, -1);
          }
          return new ClientMessage.Send(dest, t.get(2));
        }
      case "register":
        {
          arity(t, 4);
          long id = id(t);
          return new ClientMessage.Register(id, atom(t, 2, "Name", id), pid(t, 3, id));
        }
      case "whereis":
        {
          arity(t, 3);
          long id = id(t);
          return new ClientMessage.Whereis(id, atom(t, 2, "Name", id));
        }
      case "monitor":
        {
          arity(t, 3);
          long id = id(t);
          return new ClientMessage.Monitor(id, pid(t, 2, id));
        }
      case "mailbox":
        arity(t, 2);
        return new ClientMessage.Mailbox(id(t));
      case "exit":
        {
          arity(t, 4);
          long id = id(t);
          return new ClientMessage.Exit(id, pid(t, 2, id), t.get(3));
        }
      default:
        throw new MessageFormatException("unknown request tag: " + print(t.get(0)), term, -1, "unknown request tag");
    }
  }

  /**
   * Parses a message a server sent: {@code {answer, {Reply, Status}}}, {@code sshrpc_hello}, or a
   * v2 reply, delivery or channel error.
   */
  public static ServerMessage parseServerMessage(Term term) throws MessageFormatException {
    if (term instanceof ErlTuple && ((ErlTuple) term).arity() > 0 && ((ErlTuple) term).get(0) instanceof ErlAtom) {
      ErlTuple t = (ErlTuple) term;
      switch (((ErlAtom) t.get(0)).name()) {
        case "answer":
          {
            arity(t, 2);
            if (!(t.get(1) instanceof ErlTuple) || ((ErlTuple) t.get(1)).arity() != 2) {
              throw bad(t, "element 2 must be {Reply, Status}", t.get(1), -1);
            }
            ErlTuple rs = (ErlTuple) t.get(1);
            Term status = rs.get(1);
            if (status.equals(ErlInteger.of(0))) {
              return ServerMessage.Answer.ok(rs.get(0));
            }
            if (status.equals(ErlInteger.of(-1))) {
              return ServerMessage.Answer.error(rs.get(0));
            }
            throw bad(t, "Status must be 0 or -1", status, -1);
          }
        case "sshrpc_hello":
          return parseHello(t);
        case "reply":
          {
            arity(t, 4);
            long id = id(t);
            Term kind = t.get(2);
            if (kind.equals(ErlAtom.OK)) {
              return ServerMessage.Reply.ok(id, t.get(3));
            }
            if (kind.equals(ErlAtom.ERROR)) {
              return ServerMessage.Reply.error(id, t.get(3));
            }
            throw bad(t, "element 3 must be ok or error", kind, id);
          }
        case "message":
          arity(t, 3);
          return new ServerMessage.Deliver(pid(t, 1, -1), t.get(2));
        case "error":
          return parseChannelError(t);
        default:
          break;
      }
    }
    throw new MessageFormatException("not a server message: " + print(term), term, -1, "not a server message");
  }

  private static ServerMessage.ChannelError parseChannelError(ErlTuple t) throws MessageFormatException {
    if (t.arity() == 3) {
      return new ServerMessage.ChannelError(atom(t, 1, "Code", -1), t.get(2));
    }
    if (t.arity() != 4) {
      throw bad(t, "expected 3 or 4 elements, got " + t.arity(), -1);
    }
    ErlAtom code = atom(t, 1, "Code", -1);
    Term f = t.get(3);
    if (f instanceof ErlTuple
        && ((ErlTuple) f).isTagged(FRAME.name(), 2)
        && ((ErlTuple) f).get(1) instanceof ErlInteger
        && ((ErlInteger) ((ErlTuple) f).get(1)).isLong()
        && ((ErlInteger) ((ErlTuple) f).get(1)).signum() > 0) {
      return new ServerMessage.ChannelError(code, t.get(2), ((ErlInteger) ((ErlTuple) f).get(1)).longValue());
    }
    throw bad(t, "element 4 must be {frame, Seq} with Seq a positive integer below 2^63, got: " + print(f), -1);
  }

  private static ClientMessage.Mfa parseMfa(ErlTuple t) throws MessageFormatException {
    if (t.arity() == 2) {
      if (!(t.get(1) instanceof ErlTuple) || ((ErlTuple) t.get(1)).arity() != 3) {
        throw bad(t, "element 2 must be {Module, Function, Args}", t.get(1), -1);
      }
      ErlTuple mfa = (ErlTuple) t.get(1);
      return new ClientMessage.Mfa(
          mfaAtom(t, mfa.get(0), "Module"), mfaAtom(t, mfa.get(1), "Function"), mfaArgs(t, mfa.get(2)), false);
    }
    if (t.arity() == 4) {
      return new ClientMessage.Mfa(
          mfaAtom(t, t.get(1), "Module"), mfaAtom(t, t.get(2), "Function"), mfaArgs(t, t.get(3)), true);
    }
    throw bad(t, "expected {mfa, {M, F, Args}} or {mfa, M, F, Args}, got arity " + t.arity(), -1);
  }

  private static ErlAtom mfaAtom(ErlTuple t, Term x, String what) throws MessageFormatException {
    if (!(x instanceof ErlAtom)) {
      throw bad(t, what + " must be an atom", x, -1);
    }
    return (ErlAtom) x;
  }

  private static ErlList mfaArgs(ErlTuple t, Term x) throws MessageFormatException {
    if (!(x instanceof ErlList) || !((ErlList) x).isProper()) {
      throw bad(t, "Args must be a proper list", x, -1);
    }
    return (ErlList) x;
  }

  private static Hello parseHello(ErlTuple t) throws MessageFormatException {
    arity(t, 3);
    Term v = t.get(1);
    if (!(v instanceof ErlInteger) || !((ErlInteger) v).isInt() || ((ErlInteger) v).intValue() < 1) {
      throw bad(t, "element 2 (Version) must be a positive integer", v, -1);
    }
    if (!(t.get(2) instanceof ErlMap)) {
      throw bad(t, "element 3 (Options) must be a map", t.get(2), -1);
    }
    return new Hello(((ErlInteger) v).intValue(), (ErlMap) t.get(2));
  }

  private static void arity(ErlTuple t, int expected) throws MessageFormatException {
    if (t.arity() != expected) {
      throw bad(t, "expected " + expected + " elements, got " + t.arity(), -1);
    }
  }

  private static long id(ErlTuple t) throws MessageFormatException {
    Term x = t.get(1);
    if (!(x instanceof ErlInteger) || !((ErlInteger) x).isLong() || ((ErlInteger) x).signum() < 0) {
      throw bad(t, "element 2 (Id) must be a non-negative integer below 2^63", x, -1);
    }
    return ((ErlInteger) x).longValue();
  }

  private static ErlAtom atom(ErlTuple t, int i, String what, long id) throws MessageFormatException {
    Term x = t.get(i);
    if (!(x instanceof ErlAtom)) {
      throw bad(t, "element " + (i + 1) + " (" + what + ") must be an atom", x, id);
    }
    return (ErlAtom) x;
  }

  private static ErlPid pid(ErlTuple t, int i, long id) throws MessageFormatException {
    Term x = t.get(i);
    if (!(x instanceof ErlPid)) {
      throw bad(t, "element " + (i + 1) + " (Pid) must be a pid", x, id);
    }
    return (ErlPid) x;
  }

  private static ErlList args(ErlTuple t, int i, long id) throws MessageFormatException {
    Term x = t.get(i);
    if (!(x instanceof ErlList) || !((ErlList) x).isProper()) {
      throw bad(t, "element " + (i + 1) + " (Args) must be a proper list", x, id);
    }
    return (ErlList) x;
  }

  private static long timeout(ErlTuple t, int i, long id) throws MessageFormatException {
    Term x = t.get(i);
    if (x.equals(INFINITY)) {
      return ClientMessage.Call.INFINITY;
    }
    if (x instanceof ErlInteger && ((ErlInteger) x).isLong() && ((ErlInteger) x).signum() >= 0) {
      return ((ErlInteger) x).longValue();
    }
    throw bad(t, "element " + (i + 1) + " (Timeout) must be a non-negative integer or infinity", x, id);
  }

  private static MessageFormatException bad(ErlTuple t, String what, long id) {
    String message = print(t.get(0)) + ": " + what; // the tag is one of ours here
    return new MessageFormatException(message, t, id, message);
  }

  /** A bad field: the message shows it (bounded); the summary, for logs, does not. */
  private static MessageFormatException bad(ErlTuple t, String what, Term got, long id) {
    String summary = print(t.get(0)) + ": " + what;
    return new MessageFormatException(summary + ", got: " + print(got), t, id, summary);
  }

  static void checkId(long id) {
    if (id < 0) {
      throw new IllegalArgumentException("id < 0: " + id);
    }
  }

  static void checkArgs(ErlList args) {
    if (args == null) {
      throw new NullPointerException("args");
    }
    if (!args.isProper()) {
      throw new IllegalArgumentException("args must be a proper list: " + args);
    }
  }

  /**
   * Prints a term for an error message, cut at {@value #MAX_PRINTED} characters: bounded work
   * whatever the term's size (see {@link TermPrinter#print(Term, int)}).
   */
  static String print(Term t) {
    return TermPrinter.print(t, MAX_PRINTED);
  }
}
