package org.sshrpc.server;

import org.sshrpc.term.Term;

/**
 * Code run around every call to an exported function (as gRPC's {@code ServerInterceptor}): it
 * sees the caller, {@code M:F/Arity} and the arguments ({@link ServerCall}), and may refuse the
 * call ({@code throw call.refuse(Status.PERMISSION_DENIED, "...")}), wrap it (timing, tracing,
 * a thread-local context for the function), change its arguments, or replace its result.
 * Configured on {@link RpcServer.Builder#interceptor} (or {@link RpcService.Builder#interceptor});
 * the first added runs outermost.
 *
 * <pre>{@code
 * ServerInterceptor onlyReadsForGuests = (call, next) -> {
 *   if (call.context().user().equals("guest") && !call.function().startsWith("get_")) {
 *     throw call.refuse(Status.PERMISSION_DENIED, "guests may only read");
 *   }
 *   return next.proceed(call);
 * };
 * }</pre>
 *
 * <p>Runs after the access policy allowed the call and the function was found (a denied or
 * undefined call never reaches it), on the worker thread that runs the function, under the call's
 * deadline: a server with interceptors runs every call on the workers, built-ins included. It
 * fails like a function: an {@link ErlangException} raises its reason, any other exception is
 * reported as {@code {java_exception, Class, Message}}. Process starters ({@code spawn}) are not
 * intercepted.
 */
@FunctionalInterface
public interface ServerInterceptor {
  /**
   * Intercepts one call.
   *
   * @param call the call
   * @param next the rest of the chain (the next interceptor, or the function)
   * @return the reply term
   * @throws Exception as a function may
   */
  Term intercept(ServerCall call, Next next) throws Exception;

  /** The rest of an interceptor chain. */
  @FunctionalInterface
  interface Next {
    /**
     * Runs the rest of the chain.
     *
     * @param call the call to pass on (the one received, or a {@link ServerCall#withArgs} copy)
     * @return the reply term
     * @throws Exception as a function may
     */
    Term proceed(ServerCall call) throws Exception;
  }
}
