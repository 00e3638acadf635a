package org.sshrpc.server;

import java.util.List;
import org.sshrpc.term.Term;

/**
 * A Java function exported to sshrpc callers: given the call's context and its arguments (already
 * checked to be as many as the exported arity), returns the reply term.
 *
 * <p>To raise an Erlang error reason (e.g. {@code badarg}) throw {@link ErlangException}; any other
 * exception is reported to the caller as {@code {java_exception, Class, Message}}, without a stack
 * trace. A long-running function should honour interruption or poll {@link
 * CallContext#isCancelled()}: the server interrupts it when its deadline passes or the caller
 * cancels.
 */
@FunctionalInterface
public interface RpcFunction {
  /**
   * Runs the function.
   *
   * @param ctx who calls, until when
   * @param args the arguments, as many as the exported arity
   * @return the reply term, never null
   * @throws Exception to fail the call ({@link ErlangException} for an Erlang reason)
   */
  Term apply(CallContext ctx, List<Term> args) throws Exception;
}
