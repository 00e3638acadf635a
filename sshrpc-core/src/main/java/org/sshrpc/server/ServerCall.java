package org.sshrpc.server;

import java.util.List;
import java.util.Objects;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/**
 * One call to an exported function as a {@link ServerInterceptor} sees it: who makes it ({@link
 * #context()}: user, key, address, deadline) and which {@code Module:Function/Arity} with which
 * arguments. It has passed the access policy and the function exists. Immutable.
 */
public final class ServerCall {
  private final CallContext context;
  private final String module;
  private final String function;
  private final List<Term> args;

  ServerCall(CallContext context, String module, String function, List<Term> args) {
    this.context = context;
    this.module = module;
    this.function = function;
    this.args = List.copyOf(args);
  }

  /**
   * Who makes the call, over which connection, until when.
   *
   * @return the call's context
   */
  public CallContext context() {
    return context;
  }

  /**
   * The called module.
   *
   * @return the module name
   */
  public String module() {
    return module;
  }

  /**
   * The called function.
   *
   * @return the function name
   */
  public String function() {
    return function;
  }

  /**
   * The number of arguments.
   *
   * @return the arity
   */
  public int arity() {
    return args.size();
  }

  /**
   * The arguments as received.
   *
   * @return an immutable list
   */
  public List<Term> args() {
    return args;
  }

  /**
   * A copy with other arguments, as many as before (the function was chosen by its arity).
   *
   * @param args the new arguments
   * @return the new call
   * @throws IllegalArgumentException if the count differs
   */
  public ServerCall withArgs(List<? extends Term> args) {
    if (args.size() != this.args.size()) {
      throw new IllegalArgumentException(
          "withArgs: " + args.size() + " arguments for " + this + " (expected: " + this.args.size() + ")");
    }
    return new ServerCall(context, module, function, List.copyOf(args));
  }

  /**
   * The exception an interceptor throws to refuse this call without running it; the caller
   * receives {@code status}. The wire reason (docs/protocol.md, "Interceptor refusals") is the
   * one the server itself uses for that status, so clients need nothing new:
   *
   * <ul>
   *   <li>{@code PERMISSION_DENIED}: {@code {sshrpc_denied, {M, F, Arity}}}, as a policy denial
   *       (the detail is not sent: a denied caller learns nothing more);
   *   <li>{@code NOT_FOUND}: {@code undef}, as for a function not exported;
   *   <li>{@code RESOURCE_EXHAUSTED}: {@code overloaded};
   *   <li>{@code DEADLINE_EXCEEDED}: {@code timeout}; {@code CANCELLED}: {@code cancelled};
   *       {@code UNAVAILABLE}: {@code noconnection};
   *   <li>{@code INVALID_REQUEST}: {@code {badrequest, Detail}};
   *   <li>{@code RAISED}: {@code {'EXIT', {sshrpc_refused, Detail}}};
   *   <li>{@code INTERNAL}: {@code {sshrpc_refused, Detail}}.
   * </ul>
   *
   * <p>{@code Detail} is {@code detail} as a UTF-8 binary: do not put secrets in it.
   *
   * @param status what the caller is told
   * @param detail a short text for the caller (where the status's reason carries one)
   * @return the exception to throw
   */
  public RuntimeException refuse(Status status, String detail) {
    Objects.requireNonNull(status, "status");
    Term d = ErlBinary.utf8(detail == null ? "" : detail);
    ErlAtom m = ErlAtom.of(module);
    ErlAtom f = ErlAtom.of(function);
    Outcome o;
    switch (status) {
      case PERMISSION_DENIED:
        o = Outcome.refused(ErlTuple.of(RpcService.DENIED, ErlTuple.of(m, f, Terms.integer(args.size()))));
        break;
      case NOT_FOUND:
        o = Outcome.raised(RpcService.undef(m, f, org.sshrpc.term.ErlList.of(args)));
        break;
      case RESOURCE_EXHAUSTED:
        o = Outcome.refused(Outcome.OVERLOADED);
        break;
      case DEADLINE_EXCEEDED:
        o = Outcome.refused(Outcome.TIMEOUT);
        break;
      case CANCELLED:
        o = Outcome.refused(Outcome.CANCELLED);
        break;
      case UNAVAILABLE:
        o = Outcome.refused(ErlAtom.of("noconnection"));
        break;
      case INVALID_REQUEST:
        o = Outcome.refused(ErlTuple.of(ErlAtom.of("badrequest"), d));
        break;
      case RAISED:
        o = Outcome.raised(ErlTuple.of(REFUSED, d));
        break;
      default:
        o = Outcome.refused(ErlTuple.of(REFUSED, d));
        break;
    }
    return new Refusal(o, status + ": " + detail);
  }

  static final ErlAtom REFUSED = ErlAtom.of("sshrpc_refused");

  /** {@code Module:Function/Arity}. */
  @Override
  public String toString() {
    return module + ":" + function + "/" + args.size();
  }

  /** A refusal by an interceptor: the outcome to answer, caught where the function is run. */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Outcome outcome;

    Refusal(Outcome outcome, String message) {
      super(message, null, false, false);
      this.outcome = outcome;
    }
  }
}
