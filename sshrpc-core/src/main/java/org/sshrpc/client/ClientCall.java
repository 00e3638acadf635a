package org.sshrpc.client;

import java.util.List;
import java.util.Objects;
import org.sshrpc.term.Term;

/**
 * One call as a {@link ClientInterceptor} sees it: the node it goes to and the {@code
 * Module:Function(Args...)} it makes. Immutable; an interceptor that changes the arguments passes
 * {@link #withArgs} on.
 */
public final class ClientCall {
  private final NodeAddress node;
  private final String module;
  private final String function;
  private final List<Term> args;

  ClientCall(NodeAddress node, String module, String function, List<? extends Term> args) {
    this.node = Objects.requireNonNull(node, "node");
    this.module = Objects.requireNonNull(module, "module");
    this.function = Objects.requireNonNull(function, "function");
    this.args = List.copyOf(args);
  }

  /**
   * The node the call goes to.
   *
   * @return the node's address
   */
  public NodeAddress node() {
    return node;
  }

  /**
   * The remote module.
   *
   * @return the module name
   */
  public String module() {
    return module;
  }

  /**
   * The remote function.
   *
   * @return the function name
   */
  public String function() {
    return function;
  }

  /**
   * The call's arguments.
   *
   * @return an immutable list
   */
  public List<Term> args() {
    return args;
  }

  /**
   * A copy calling the same function with other arguments.
   *
   * @param args the new arguments
   * @return the new call
   */
  public ClientCall withArgs(List<? extends Term> args) {
    return new ClientCall(node, module, function, args);
  }

  /** {@code Module:Function/Arity@node}, for logs and traces. */
  @Override
  public String toString() {
    return module + ":" + function + "/" + args.size() + "@" + node;
  }
}
