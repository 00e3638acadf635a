package org.sshrpc.wire;

/**
 * The exception for a frame whose header is within the length limit but which the receiver's
 * admission check refused (for the server: its memory budget cannot hold the frame now). As with
 * a frame over the limit, the stream cannot be re-synchronised, so the channel must be closed.
 */
public final class FrameRefusedException extends FrameTooLargeException {
  private static final long serialVersionUID = 1L;

  FrameRefusedException(long length, int maxLength) {
    super("frame of " + length + " bytes refused by the receiver's admission check", length, maxLength);
  }
}
