package org.sshrpc;

import org.sshrpc.term.Term;

/**
 * The one exception an sshrpc call fails with: a {@link Status} saying what kind of failure it
 * was, and, when the server sent one, the Erlang error term exactly as received.
 */
public class RpcException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status status;
  private final transient Term reason;

  public RpcException(Status status, String message, Term reason) {
    this(status, message, reason, null);
  }

  public RpcException(Status status, String message, Term reason, Throwable cause) {
    super(status + ": " + message, cause);
    this.status = status;
    this.reason = reason;
  }

  public Status status() {
    return status;
  }

  /** The error term the server replied with, or null when the failure was local (e.g. UNAVAILABLE). */
  public Term reason() {
    return reason;
  }
}
