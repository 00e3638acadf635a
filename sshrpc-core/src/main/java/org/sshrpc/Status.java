package org.sshrpc;

/**
 * Why an sshrpc call did not return a value. Carried by {@link RpcException}; the same codes are
 * reported by blocking and asynchronous calls. See {@code docs/protocol.md} for the wire reasons
 * each code is mapped from.
 */
public enum Status {
  /** The function ran and raised an Erlang error or a Java exception ({@code {'EXIT', R}}). */
  RAISED,
  /** No such module, function or arity is exported ({@code undef}). */
  NOT_FOUND,
  /** The server's policy denies this caller the function ({@code sshrpc_denied}). */
  PERMISSION_DENIED,
  /** The deadline passed before a reply; the call may or may not have had effects. */
  DEADLINE_EXCEEDED,
  /** The call was cancelled by the caller. */
  CANCELLED,
  /** A limit was hit (in-flight calls, frame size); the call was not run. */
  RESOURCE_EXHAUSTED,
  /** The connection failed or dropped; a call in flight may or may not have run. */
  UNAVAILABLE,
  /** The request was malformed or not understood by the server ({@code exec_error}). */
  INVALID_REQUEST,
  /** A protocol violation or unexpected reply from the peer. */
  INTERNAL
}
