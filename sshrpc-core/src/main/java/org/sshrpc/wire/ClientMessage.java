package org.sshrpc.wire;

import java.util.Objects;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * A message a client sends to a server: the v1 {@link Mfa} request, or one of the v2 messages of
 * {@code docs/protocol.md}. Parse terms into these with {@link Messages#parseRequest}.
 */
public sealed interface ClientMessage extends Message
    permits ClientMessage.Mfa,
        ClientMessage.Call,
        ClientMessage.Cast,
        ClientMessage.Cancel,
        ClientMessage.Spawn,
        ClientMessage.Send,
        ClientMessage.Register,
        ClientMessage.Whereis,
        ClientMessage.Monitor,
        ClientMessage.Mailbox,
        ClientMessage.Exit,
        Hello {

  /**
   * The seed's request {@code {mfa, {M, F, Args}}}, or its flat form {@code {mfa, M, F, Args}}.
   *
   * @param flat true for the flat four-element shape; both shapes mean the same call
   */
  record Mfa(ErlAtom module, ErlAtom function, ErlList args, boolean flat) implements ClientMessage {
    public Mfa {
      Objects.requireNonNull(module, "module");
      Objects.requireNonNull(function, "function");
      Messages.checkArgs(args);
    }

    /** The nested shape {@code {mfa, {M, F, Args}}} the seed's client sends. */
    public static Mfa of(String module, String function, ErlList args) {
      return new Mfa(ErlAtom.of(module), ErlAtom.of(function), args, false);
    }

    @Override
    public Term toTerm() {
      return flat
          ? ErlTuple.of(Messages.MFA, module, function, args)
          : ErlTuple.of(Messages.MFA, ErlTuple.of(module, function, args));
    }
  }

  /**
   * A v2 call {@code {call, Id, M, F, Args, Timeout}}.
   *
   * @param timeoutMillis the server-side deadline in milliseconds from receipt, or {@link
   *     #INFINITY}
   */
  record Call(long id, ErlAtom module, ErlAtom function, ErlList args, long timeoutMillis)
      implements ClientMessage {
    /** The {@code timeoutMillis} meaning Erlang's {@code infinity}. */
    public static final long INFINITY = -1;

    public Call {
      Messages.checkId(id);
      Objects.requireNonNull(module, "module");
      Objects.requireNonNull(function, "function");
      Messages.checkArgs(args);
      if (timeoutMillis < INFINITY) {
        throw new IllegalArgumentException("timeoutMillis < 0: " + timeoutMillis);
      }
    }

    @Override
    public Term toTerm() {
      Term timeout = timeoutMillis == INFINITY ? Messages.INFINITY : ErlInteger.of(timeoutMillis);
      return ErlTuple.of(Messages.CALL, ErlInteger.of(id), module, function, args, timeout);
    }
  }

  /** A v2 call without a reply, {@code {cast, M, F, Args}}. */
  record Cast(ErlAtom module, ErlAtom function, ErlList args) implements ClientMessage {
    public Cast {
      Objects.requireNonNull(module, "module");
      Objects.requireNonNull(function, "function");
      Messages.checkArgs(args);
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.CAST, module, function, args);
    }
  }

  /** {@code {cancel, Id}}: cancel the call {@code Id} if it has not replied yet. */
  record Cancel(long id) implements ClientMessage {
    public Cancel {
      Messages.checkId(id);
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.CANCEL, ErlInteger.of(id));
    }
  }

  /** {@code {spawn, Id, M, F, Args}}: start a server-side process; replies with its pid. */
  record Spawn(long id, ErlAtom module, ErlAtom function, ErlList args) implements ClientMessage {
    public Spawn {
      Messages.checkId(id);
      Objects.requireNonNull(module, "module");
      Objects.requireNonNull(function, "function");
      Messages.checkArgs(args);
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.SPAWN, ErlInteger.of(id), module, function, args);
    }
  }

  /**
   * {@code {send, Dest, Msg}}: Erlang's {@code Dest ! Msg}.
   *
   * @param destination an {@link ErlPid} or a registered name ({@link ErlAtom})
   */
  record Send(Term destination, Term message) implements ClientMessage {
    public Send {
      if (!(destination instanceof ErlPid) && !(destination instanceof ErlAtom)) {
        throw new IllegalArgumentException("destination must be a pid or an atom: " + destination);
      }
      Objects.requireNonNull(message, "message");
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.SEND, destination, message);
    }
  }

  /** {@code {register, Id, Name, Pid}}. */
  record Register(long id, ErlAtom name, ErlPid pid) implements ClientMessage {
    public Register {
      Messages.checkId(id);
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(pid, "pid");
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.REGISTER, ErlInteger.of(id), name, pid);
    }
  }

  /** {@code {whereis, Id, Name}}. */
  record Whereis(long id, ErlAtom name) implements ClientMessage {
    public Whereis {
      Messages.checkId(id);
      Objects.requireNonNull(name, "name");
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.WHEREIS, ErlInteger.of(id), name);
    }
  }

  /** {@code {monitor, Id, Pid}}. */
  record Monitor(long id, ErlPid pid) implements ClientMessage {
    public Monitor {
      Messages.checkId(id);
      Objects.requireNonNull(pid, "pid");
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.MONITOR, ErlInteger.of(id), pid);
    }
  }

  /** {@code {mailbox, Id}}: ask for a server-node pid that routes messages to this client. */
  record Mailbox(long id) implements ClientMessage {
    public Mailbox {
      Messages.checkId(id);
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.MAILBOX, ErlInteger.of(id));
    }
  }

  /** {@code {exit, Id, Pid, Reason}}: stop a process this connection controls. */
  record Exit(long id, ErlPid pid, Term reason) implements ClientMessage {
    public Exit {
      Messages.checkId(id);
      Objects.requireNonNull(pid, "pid");
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.EXIT, ErlInteger.of(id), pid, reason);
    }
  }
}
