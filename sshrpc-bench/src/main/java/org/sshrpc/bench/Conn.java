package org.sshrpc.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One open client connection of a Java-driven subject: the two calls the workloads make. */
interface Conn extends AutoCloseable {

  /** Per-call bound: a benchmark call slower than this is a failure, never a hang. */
  long CALL_TIMEOUT_SECONDS = 120;

  /** {@code lists:seq(1,100)} (or the subject's equivalent), completing when the reply arrived. */
  CompletableFuture<?> seqAsync();

  /** Echo of {@code payload}, completing when the echoed bytes arrived. */
  CompletableFuture<?> echoAsync(byte[] payload);

  default void seq() throws Exception {
    seqAsync().get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  default void echo(byte[] payload) throws Exception {
    echoAsync(payload).get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  void close() throws Exception;
}
