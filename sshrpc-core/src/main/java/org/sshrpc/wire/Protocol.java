package org.sshrpc.wire;

/**
 * The protocol's names and numbers, in one place for both ends: the SSH subsystem name the seed
 * defined, its short alias, and the protocol versions a hello may name.
 */
public final class Protocol {
  /** The SSH subsystem name from the seed (draft 2010): {@value}. */
  public static final String SUBSYSTEM = "sshrpc@k2r.org";

  /** A short alias the server also accepts, for hand-typed {@code ssh -s}: {@value}. */
  public static final String SUBSYSTEM_ALIAS = "sshrpc";

  /** The seed's protocol: {@code {mfa, …}} requests answered in order. */
  public static final int V1 = 1;

  /** Ids, pipelining, casts, deadlines and processes, negotiated by a hello. */
  public static final int V2 = 2;

  private Protocol() {}
}
