package org.sshrpc.client;

/**
 * What an extra channel on a connection is for. Channels share the session's encryption and
 * TCP connection but have their own SSH flow-control windows, so a bulk transfer on one does not
 * stall small calls on another.
 */
public enum ChannelPurpose {
  /** Ordinary calls. */
  CALLS,
  /** Large requests or replies (MB-sized terms). */
  BULK,
  /** Monitoring or control traffic kept apart from application calls. */
  CONTROL
}
