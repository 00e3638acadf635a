package org.sshrpc.wire;

import java.net.ProtocolException;
import java.util.OptionalLong;
import org.sshrpc.term.Term;

/**
 * The exception for a decoded term that is not a well-formed sshrpc message. Carries the term as
 * received and, for a v2 request whose id could still be read, that id, so the receiver can answer
 * {@code {reply, Id, error, {badrequest, Term}}}.
 */
public final class MessageFormatException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  private final transient Term received;
  private final long id; // -1 when unknown
  private final String summary;

  public MessageFormatException(String message, Term received) {
    this(message, received, -1);
  }

  public MessageFormatException(String message, Term received, long id) {
    this(message, received, id, message);
  }

  /**
   * @param summary the message without any part of the received term, for logs (see {@link
   *     #summary()})
   */
  public MessageFormatException(String message, Term received, long id, String summary) {
    super(message);
    this.received = received;
    this.id = id;
    this.summary = summary;
  }

  /**
   * What was wrong, without any part of the received term (which may hold argument values): what
   * an audit or log line at INFO and above may carry, e.g. {@code "call: element 5 (Args) must be
   * a proper list"} where the message adds {@code ", got: {1,2}"}.
   */
  public String summary() {
    return summary;
  }

  /** The whole message term as received. */
  public Term received() {
    return received;
  }

  /** The request id, when the message was a v2 request whose id was readable. */
  public OptionalLong id() {
    return id < 0 ? OptionalLong.empty() : OptionalLong.of(id);
  }
}
