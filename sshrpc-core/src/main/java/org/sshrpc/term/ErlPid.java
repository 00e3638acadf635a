package org.sshrpc.term;

import java.util.Objects;

/** An Erlang process identifier: node, id, serial and creation, as carried by NEW_PID_EXT. */
public final class ErlPid implements Term, Comparable<ErlPid> {
  private final ErlAtom node;
  private final long id;
  private final long serial;
  private final long creation;

  private ErlPid(ErlAtom node, long id, long serial, long creation) {
    this.node = node;
    this.id = id;
    this.serial = serial;
    this.creation = creation;
  }

  /** Fields are unsigned 32-bit values. */
  public static ErlPid of(ErlAtom node, long id, long serial, long creation) {
    return new ErlPid(Objects.requireNonNull(node), u32(id), u32(serial), u32(creation));
  }

  static long u32(long v) {
    if (v < 0 || v > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("not an unsigned 32-bit value: " + v);
    }
    return v;
  }

  public ErlAtom node() {
    return node;
  }

  public long id() {
    return id;
  }

  public long serial() {
    return serial;
  }

  public long creation() {
    return creation;
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlPid other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlPid)) {
      return false;
    }
    ErlPid p = (ErlPid) o;
    return p.id == id && p.serial == serial && p.creation == creation && p.node.equals(node);
  }

  @Override
  public int hashCode() {
    return Objects.hash(node, id, serial, creation);
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
