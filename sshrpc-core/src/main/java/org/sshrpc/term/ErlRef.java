package org.sshrpc.term;

import java.util.Arrays;
import java.util.Objects;

/** An Erlang reference: node, creation and 1..5 32-bit id words, as carried by NEWER_REFERENCE_EXT. */
public final class ErlRef implements Term, Comparable<ErlRef> {
  private final ErlAtom node;
  private final long creation;
  private final int[] ids;

  private ErlRef(ErlAtom node, long creation, int[] ids) {
    this.node = node;
    this.creation = creation;
    this.ids = ids;
  }

  public static ErlRef of(ErlAtom node, long creation, int... ids) {
    if (ids.length < 1 || ids.length > 5) {
      throw new IllegalArgumentException("reference id words: " + ids.length + " (expected: 1..5)");
    }
    return new ErlRef(Objects.requireNonNull(node), ErlPid.u32(creation), ids.clone());
  }

  public ErlAtom node() {
    return node;
  }

  public long creation() {
    return creation;
  }

  /** Number of id words, 1..5. */
  int idCount() {
    return ids.length;
  }

  int id(int index) {
    return ids[index];
  }

  /** Wraps id words the caller will not keep (the decoder). */
  static ErlRef ofOwned(ErlAtom node, long creation, int[] ids) {
    return new ErlRef(node, creation, ids);
  }

  /** A copy of the id words. */
  public int[] ids() {
    return ids.clone();
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlRef other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlRef)) {
      return false;
    }
    ErlRef r = (ErlRef) o;
    return r.creation == creation && Arrays.equals(r.ids, ids) && r.node.equals(node);
  }

  @Override
  public int hashCode() {
    return Objects.hash(node, creation) * 31 + Arrays.hashCode(ids);
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
