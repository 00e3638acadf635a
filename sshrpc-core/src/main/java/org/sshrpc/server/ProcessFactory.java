package org.sshrpc.server;

import java.util.List;
import org.sshrpc.term.Term;

/**
 * A starter of server-side processes, exported under a module and function name; a client's
 * {@code {spawn, Id, M, F, Args}} calls it with {@code Args} and gets the new process's pid.
 */
@FunctionalInterface
public interface ProcessFactory {
  /**
   * Creates the process object. Throw {@link ErlangException} (e.g. {@code badarg}) to refuse the
   * arguments. The process belongs to {@code ctx.user()}: other users reach it only where the
   * policy and its {@link RpcProcess#acceptsFrom} both allow. Runs on a worker; the spawn already
   * holds its slot under the process limits, so a slow factory cannot let others overshoot them.
   */
  RpcProcess start(CallContext ctx, List<Term> args) throws Exception;
}
