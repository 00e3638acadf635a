package org.sshrpc.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sshrpc.RpcException;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/**
 * The outcome of {@link RpcClient#multicall}: like Erlang's {@code rpc:multicall}, the nodes that
 * answered (with a value or with an error reply) and the bad nodes (unreachable, dropped, or not
 * answering before the timeout). Immutable; maps iterate in the order the nodes were given.
 */
public final class MulticallResult {
  private final Map<NodeAddress, Term> values;
  private final Map<NodeAddress, RpcException> errors;
  private final Map<NodeAddress, RpcException> badNodes;

  MulticallResult(
      Map<NodeAddress, Term> values,
      Map<NodeAddress, RpcException> errors,
      Map<NodeAddress, RpcException> badNodes) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.errors = Collections.unmodifiableMap(new LinkedHashMap<>(errors));
    this.badNodes = Collections.unmodifiableMap(new LinkedHashMap<>(badNodes));
  }

  /** Nodes that returned a value, with the value. */
  public Map<NodeAddress, Term> values() {
    return values;
  }

  /** Nodes that answered with an error (the call raised, was denied, not found ...). */
  public Map<NodeAddress, RpcException> errors() {
    return errors;
  }

  /** Nodes that could not be reached or did not answer in time, with why. */
  public Map<NodeAddress, RpcException> badNodes() {
    return badNodes;
  }

  /**
   * As Erlang's {@code {Results, BadNodes}}: Results holds each answering node's value, or
   * {@code {badrpc, Reason}} for an error reply; BadNodes lists the other nodes as binaries
   * ({@code <<"host:port">>}).
   */
  public Term toTerm() {
    List<Term> results = new ArrayList<>();
    values.values().forEach(results::add);
    errors.values()
        .forEach(
            e ->
                results.add(
                    Terms.tuple(
                        ErlAtom.of("badrpc"),
                        e.reason() != null ? e.reason() : ErlAtom.of(e.status().name().toLowerCase()))));
    List<Term> bad = new ArrayList<>();
    badNodes.keySet().forEach(n -> bad.add(Terms.binary(n.toString())));
    return ErlTuple.of(ErlList.of(results), ErlList.of(bad));
  }

  @Override
  public String toString() {
    return "MulticallResult{values=" + values + ", errors=" + errors.keySet() + ", badNodes=" + badNodes.keySet() + "}";
  }
}
