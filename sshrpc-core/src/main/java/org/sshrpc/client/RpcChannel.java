package org.sshrpc.client;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.sshrpc.RpcException;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Term;

/**
 * One sshrpc channel: the subsystem {@code sshrpc@k2r.org} on an SSH session, over which calls
 * are made. Thread-safe: many threads may call at once; on a v2 server their calls are
 * pipelined, on a v1 server they run one at a time in order.
 *
 * <p>Blocking and asynchronous calls fail the same way: with one {@link RpcException} whose
 * {@link org.sshrpc.Status} says what happened (the async form completes its future
 * exceptionally with it). Closing a channel fails its calls in flight with {@code UNAVAILABLE}.
 * The process operations ({@code spawn}, {@code register}, {@code whereis}, {@code exit},
 * {@code mailbox}, {@code monitor}) need protocol v2 ({@code INVALID_REQUEST} on a v1 server) and
 * give up with {@code DEADLINE_EXCEEDED} after 30 s without a reply.
 */
public interface RpcChannel extends AutoCloseable {
  /** The protocol version agreed on this channel: 1 (the seed's) or 2. */
  int protocolVersion();

  /** Calls {@code m:f(args...)} and waits for its value. */
  default Term call(String m, String f, List<? extends Term> args) {
    return call(m, f, args, CallOptions.DEFAULT);
  }

  /** Calls {@code m:f(args...)} and waits for its value. */
  default Term call(String m, String f, Term... args) {
    return call(m, f, Arrays.asList(args), CallOptions.DEFAULT);
  }

  /**
   * Calls {@code m:f(args...)} with options (e.g. a deadline) and waits for its value.
   *
   * @throws RpcException when the call failed, timed out, was interrupted (status {@code
   *     CANCELLED}, interrupt flag kept) or the connection is down
   */
  Term call(String m, String f, List<? extends Term> args, CallOptions options);

  /** Starts {@code m:f(args...)}; see {@link #callAsync(String, String, List, CallOptions)}. */
  default CompletableFuture<Term> callAsync(String m, String f, List<? extends Term> args) {
    return callAsync(m, f, args, CallOptions.DEFAULT);
  }

  /** Starts {@code m:f(args...)}; see {@link #callAsync(String, String, List, CallOptions)}. */
  default CompletableFuture<Term> callAsync(String m, String f, Term... args) {
    return callAsync(m, f, Arrays.asList(args), CallOptions.DEFAULT);
  }

  /**
   * Starts {@code m:f(args...)} and returns its future value. The future fails with an {@link
   * RpcException} exactly when {@link #call} would throw it. Cancelling the future ({@code
   * cancel(true)} or {@code cancel(false)}) sends {@code {cancel, Id}} to a v2 server. The future
   * is completed on the client's callback executor, never on the SSH I/O thread.
   */
  CompletableFuture<Term> callAsync(
      String m, String f, List<? extends Term> args, CallOptions options);

  /**
   * Runs {@code m:f(args...)} on the server without waiting for, or getting, a reply (v2 {@code
   * cast}; on a v1 server the call is made and its answer discarded).
   */
  void cast(String m, String f, List<? extends Term> args);

  /** Starts a process on the server running {@code m:f(args...)}; returns its pid (v2 only). */
  Term spawn(String m, String f, List<? extends Term> args);

  /** Sends {@code message} to a pid or a registered name (an atom) on the server (v2 only). */
  void send(Term destination, Term message);

  /** Registers {@code pid} under {@code name} on the server; false if that failed (v2 only). */
  boolean register(ErlAtom name, Term pid);

  /** The pid registered as {@code name} on the server, or the atom {@code undefined} (v2 only). */
  Term whereis(ErlAtom name);

  /** Stops a process this connection controls (v2 only). */
  void exit(Term pid, Term reason);

  /**
   * A new mailbox: a pid on the server's node whose messages are delivered to this client (v2
   * only).
   */
  Mailbox mailbox();

  /**
   * Monitors a server-side process: when it ends (or this connection drops) {@code {'DOWN', Ref,
   * process, Pid, Reason}} arrives in {@code mailbox}. Returns the monitor reference (v2 only).
   */
  Term monitor(Mailbox mailbox, Term pid);

  /** True until the channel is closed or its connection drops. */
  boolean isOpen();

  /** Closes the channel; calls in flight fail with {@code UNAVAILABLE}. */
  @Override
  void close();
}
