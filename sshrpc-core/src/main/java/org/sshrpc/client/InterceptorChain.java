package org.sshrpc.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Term;

/**
 * The client's {@link ClientInterceptor}s and default deadline, applied to the calls of a
 * connection and of the channels it opens. Immutable; one per {@link RpcClient}.
 */
final class InterceptorChain {
  private final List<ClientInterceptor> interceptors;
  private final long defaultTimeoutNanos; // -1: none

  InterceptorChain(List<ClientInterceptor> interceptors, Duration defaultDeadline) {
    this.interceptors = List.copyOf(interceptors);
    this.defaultTimeoutNanos = defaultDeadline == null ? -1 : saturated(defaultDeadline);
  }

  private static long saturated(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  /** A blocking call: straight to the channel without interceptors, through them otherwise. */
  Term call(RpcChannel target, NodeAddress node, String m, String f, List<? extends Term> args, CallOptions options) {
    CallOptions o = options.startCall(defaultTimeoutNanos);
    if (interceptors.isEmpty()) {
      return target.call(m, f, args, o);
    }
    CompletableFuture<Term> fut = run(target, new ClientCall(node, m, f, args), o);
    try {
      return fut.get();
    } catch (InterruptedException e) {
      fut.cancel(true);
      Thread.currentThread().interrupt();
      throw new RpcException(
          Status.CANCELLED, m + ":" + f + "/" + args.size() + ": interrupted", ErlAtom.of("cancelled"));
    } catch (CancellationException e) {
      throw new RpcException(
          Status.CANCELLED, m + ":" + f + "/" + args.size() + ": cancelled", ErlAtom.of("cancelled"), e);
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    }
  }

  /** An asynchronous call; see {@link #call}. */
  CompletableFuture<Term> callAsync(
      RpcChannel target, NodeAddress node, String m, String f, List<? extends Term> args, CallOptions options) {
    CallOptions o = options.startCall(defaultTimeoutNanos);
    if (interceptors.isEmpty()) {
      return target.callAsync(m, f, args, o);
    }
    return run(target, new ClientCall(node, m, f, args), o);
  }

  private CompletableFuture<Term> run(RpcChannel target, ClientCall call, CallOptions o) {
    return next(target, 0).proceed(call, o);
  }

  /** The chain from interceptor {@code i} on; past the last, the channel itself. */
  private ClientInterceptor.Next next(RpcChannel target, int i) {
    if (i == interceptors.size()) {
      return (call, o) ->
          target.callAsync(call.module(), call.function(), call.args(), o.startCall(-1));
    }
    ClientInterceptor here = interceptors.get(i);
    ClientInterceptor.Next rest = next(target, i + 1);
    return (call, o) -> {
      try {
        CompletableFuture<Term> f = here.intercept(call, o, rest);
        if (f == null) {
          return CompletableFuture.failedFuture(
              new NullPointerException("interceptor " + here + " returned null for " + call));
        }
        return f;
      } catch (RuntimeException | Error e) {
        return CompletableFuture.failedFuture(e);
      }
    };
  }

  /** The exception a blocking call throws for a failed future's cause. */
  private static RuntimeException unwrap(Throwable c) {
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof RuntimeException) {
      return (RuntimeException) c;
    }
    if (c instanceof Error) {
      throw (Error) c;
    }
    return new RpcException(Status.INTERNAL, "interceptor failed: " + c, null, c);
  }
}
