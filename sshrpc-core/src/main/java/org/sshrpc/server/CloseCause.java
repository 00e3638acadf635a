package org.sshrpc.server;

/**
 * Why a channel closed, as a type rather than the text of its log line: {@code sshrpc stdio}
 * decides its exit status on it ({@link #CLIENT_EOF} is the one clean end).
 */
enum CloseCause {
  /** The client sent EOF and every pending answer was written: the normal end. */
  CLIENT_EOF,
  /** The client broke the protocol: a frame over the limit, or one the memory budget refused. */
  PROTOCOL_ERROR,
  /** A frame stayed incomplete past the frame timeout. */
  FRAME_TIMEOUT,
  /** A write to the transport failed. */
  WRITE_FAILED,
  /** A reply could be neither sent nor replaced by an error. */
  REPLY_FAILED,
  /** The transport or the server closed the channel (SSH channel closed, server stopping). */
  CLOSED
}
