package org.sshrpc.wire;

import java.util.Objects;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * A message a server sends to a client: the v1 {@link Answer}, or a v2 reply, delivery or
 * channel error. Parse terms into these with {@link Messages#parseServerMessage}.
 */
public sealed interface ServerMessage extends Message
    permits ServerMessage.Answer,
        ServerMessage.Reply,
        ServerMessage.Deliver,
        ServerMessage.ChannelError,
        Hello {

  /** The v1 status of a successful answer. */
  int STATUS_OK = 0;

  /** The v1 status of a failed answer. */
  int STATUS_ERROR = -1;

  /**
   * The seed's reply {@code {answer, {Reply, Status}}}.
   *
   * @param status {@link #STATUS_OK} or {@link #STATUS_ERROR}
   */
  record Answer(Term reply, int status) implements ServerMessage {
    public Answer {
      Objects.requireNonNull(reply, "reply");
      if (status != STATUS_OK && status != STATUS_ERROR) {
        throw new IllegalArgumentException("status: " + status + " (expected: 0 or -1)");
      }
    }

    public static Answer ok(Term reply) {
      return new Answer(reply, STATUS_OK);
    }

    public static Answer error(Term error) {
      return new Answer(error, STATUS_ERROR);
    }

    public boolean isOk() {
      return status == STATUS_OK;
    }

    /**
     * The failure in the v2 reason shape: {@code {exec_badrpc, R}} (the call ran, or was refused)
     * gives {@code R}, usually {@code {'EXIT', …}}; anything else ({@code {exec_error, T}}, the
     * seed's refusal of a request it could not read) is returned as it is.
     */
    public Term reason() {
      if (reply instanceof ErlTuple && ((ErlTuple) reply).isTagged(Messages.EXEC_BADRPC.name(), 2)) {
        return ((ErlTuple) reply).get(1);
      }
      return reply;
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.ANSWER, ErlTuple.of(reply, ErlInteger.of(status)));
    }
  }

  /**
   * A v2 reply {@code {reply, Id, ok, Value}} or {@code {reply, Id, error, Reason}}.
   *
   * @param value the returned value when {@code ok}, else the error reason
   */
  record Reply(long id, boolean ok, Term value) implements ServerMessage {
    /** The error of a {@code register} that failed (name taken, process dead), as Erlang's. */
    public static final ErlAtom BADARG = ErlAtom.of("badarg");

    public Reply {
      Messages.checkId(id);
      Objects.requireNonNull(value, "value");
    }

    public static Reply ok(long id, Term value) {
      return new Reply(id, true, value);
    }

    public static Reply error(long id, Term reason) {
      return new Reply(id, false, reason);
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.REPLY, ErlInteger.of(id), ok ? ErlAtom.OK : ErlAtom.ERROR, value);
    }
  }

  /** {@code {message, To, Msg}}: {@code Msg} sent to the client's mailbox pid {@code To}. */
  record Deliver(ErlPid to, Term message) implements ServerMessage {
    static final ErlAtom DOWN = ErlAtom.of("DOWN");
    static final ErlAtom PROCESS = ErlAtom.of("process");

    /** The message a monitor delivers when its process ends: {@code {'DOWN', Ref, process, Pid, Reason}}. */
    public static Term down(Term ref, Term pid, Term reason) {
      return ErlTuple.of(DOWN, ref, PROCESS, pid, reason);
    }

    /** The monitor reference of a {@link #down} message, or null if {@code message} is not one. */
    public static Term downRef(Term message) {
      return message instanceof ErlTuple && ((ErlTuple) message).isTagged(DOWN.name(), 5)
          ? ((ErlTuple) message).get(1)
          : null;
    }

    public Deliver {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public Term toTerm() {
      return ErlTuple.of(Messages.MESSAGE, to, message);
    }
  }

  /**
   * {@code {error, Code, Detail}}: a channel-level problem not tied to a request id, e.g. {@code
   * {error, badframe, <<"...">>}} or {@code {error, frame_too_large, {Length, Max}}}. When the
   * client's hello asked for it ({@code frame_errors => true}), the server names the frame the
   * error is about: {@code {error, Code, Detail, {frame, Seq}}}, where {@code Seq} counts every
   * frame the client sent on the channel, its hello being 1.
   *
   * @param frame the frame's sequence number, or {@link #NO_FRAME} for the 3-tuple
   */
  record ChannelError(ErlAtom code, Term detail, long frame) implements ServerMessage {
    /** The {@link #frame()} of an error that names no frame (frames are numbered from 1). */
    public static final long NO_FRAME = 0;

    public ChannelError {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(detail, "detail");
      if (frame < 0) {
        throw new IllegalArgumentException("frame: " + frame + " (expected: >= 1, or NO_FRAME)");
      }
    }

    /** The 3-tuple {@code {error, Code, Detail}}, naming no frame. */
    public ChannelError(ErlAtom code, Term detail) {
      this(code, detail, NO_FRAME);
    }

    /** True if this error names the frame it is about. */
    public boolean hasFrame() {
      return frame != NO_FRAME;
    }

    @Override
    public Term toTerm() {
      if (frame == NO_FRAME) {
        return ErlTuple.of(ErlAtom.ERROR, code, detail);
      }
      return ErlTuple.of(ErlAtom.ERROR, code, detail, ErlTuple.of(Messages.FRAME, ErlInteger.of(frame)));
    }
  }
}
