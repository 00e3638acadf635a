package org.sshrpc.term;

import java.util.Objects;

/** An Erlang port identifier: node, 64-bit id and creation, as carried by V4_PORT_EXT. */
public final class ErlPort implements Term, Comparable<ErlPort> {
  private final ErlAtom node;
  private final long id;
  private final long creation;

  private ErlPort(ErlAtom node, long id, long creation) {
    this.node = node;
    this.id = id;
    this.creation = creation;
  }

  public static ErlPort of(ErlAtom node, long id, long creation) {
    return new ErlPort(Objects.requireNonNull(node), id, ErlPid.u32(creation));
  }

  public ErlAtom node() {
    return node;
  }

  public long id() {
    return id;
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
  public int compareTo(ErlPort other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlPort)) {
      return false;
    }
    ErlPort p = (ErlPort) o;
    return p.id == id && p.creation == creation && p.node.equals(node);
  }

  @Override
  public int hashCode() {
    return Objects.hash(node, id, creation);
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
