package org.sshrpc.wire;

import java.net.ProtocolException;

/**
 * The exception for a frame header that declares more bytes than the receiver accepts. A stream
 * cannot be re-synchronised past such a frame (its bytes would have to be skipped unread), so the
 * channel carrying it must be closed.
 */
public class FrameTooLargeException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  private final long length;
  private final int maxLength;

  public FrameTooLargeException(long length, int maxLength) {
    this("frame too large: " + length + " bytes (expected: <= " + maxLength + ")", length, maxLength);
  }

  FrameTooLargeException(String message, long length, int maxLength) {
    super(message);
    this.length = length;
    this.maxLength = maxLength;
  }

  /** The length the frame header declared (an unsigned 32-bit value). */
  public long length() {
    return length;
  }

  /** The receiver's limit. */
  public int maxLength() {
    return maxLength;
  }
}
