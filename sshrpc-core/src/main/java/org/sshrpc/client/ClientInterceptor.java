package org.sshrpc.client;

import java.util.concurrent.CompletableFuture;
import org.sshrpc.term.Term;

/**
 * Code run around every call a connection makes (as gRPC's {@code ClientInterceptor}): it sees
 * the call, its {@link CallOptions} and its result, and may change the options (a deadline), make
 * the call again (a retry), record it (tracing, metrics) or fail it without calling. Configured on
 * {@link RpcClient.Builder#interceptor}; the first added runs outermost.
 *
 * <pre>{@code
 * ClientInterceptor retryOnce = (call, options, next) ->
 *     next.proceed(call, options).exceptionallyCompose(e ->
 *         e instanceof RpcException && ((RpcException) e).status() == Status.UNAVAILABLE
 *             ? next.proceed(call, options)
 *             : CompletableFuture.failedFuture(e));
 * }</pre>
 *
 * <p>It applies to {@code call} and {@code callAsync} on an {@link RpcConnection}, on the channels
 * it opens and through its {@linkplain RpcConnection#proxy typed proxies}; the blocking and the
 * asynchronous forms both go through {@link #intercept}, so they are seen alike. Casts, spawns and
 * the other process operations are not intercepted. The options an interceptor receives already
 * carry the call's deadline (the client's {@linkplain RpcClient.Builder#defaultDeadline default
 * deadline} included), and that deadline bounds every attempt it makes.
 *
 * <p>Runs on the thread that makes the call; the future's continuations run on the client's
 * callback executor, never on the SSH I/O thread. A future failed with an {@link
 * org.sshrpc.RpcException} is reported to the caller as it is; an interceptor that throws fails
 * the call with what it threw.
 */
@FunctionalInterface
public interface ClientInterceptor {
  /**
   * Intercepts one call.
   *
   * @param call the call
   * @param options its options, the deadline resolved
   * @param next the rest of the chain (the next interceptor, or the connection)
   * @return the call's eventual value
   */
  CompletableFuture<Term> intercept(ClientCall call, CallOptions options, Next next);

  /** The rest of an interceptor chain. */
  @FunctionalInterface
  interface Next {
    /**
     * Passes the call on; may be invoked more than once (retries) or not at all.
     *
     * @param call the call to make
     * @param options its options
     * @return the call's eventual value
     */
    CompletableFuture<Term> proceed(ClientCall call, CallOptions options);
  }
}
