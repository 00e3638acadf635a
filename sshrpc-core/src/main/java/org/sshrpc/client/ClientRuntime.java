package org.sshrpc.client;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** What every channel of one client shares: threads, codec and limits. */
final class ClientRuntime {
  final Executor callbackExecutor;
  final ScheduledExecutorService scheduler;
  final Codec codec;
  final int maxFrameLength;
  final int maxVersion;
  final Duration connectTimeout;
  /** How long after a deadline the client gives up on a v2 server that enforces it itself. */
  final long serverDeadlineGraceNanos;
  /** Fires client-side deadlines (on {@link #scheduler} unless a test gives a fake one). */
  final DeadlineTimer timer;

  ClientRuntime(
      Executor callbackExecutor,
      ScheduledExecutorService scheduler,
      Codec codec,
      int maxFrameLength,
      int maxVersion,
      Duration connectTimeout,
      long serverDeadlineGraceNanos) {
    this(callbackExecutor, scheduler, codec, maxFrameLength, maxVersion, connectTimeout, serverDeadlineGraceNanos,
        DeadlineTimer.on(scheduler));
  }

  ClientRuntime(
      Executor callbackExecutor,
      ScheduledExecutorService scheduler,
      Codec codec,
      int maxFrameLength,
      int maxVersion,
      Duration connectTimeout,
      long serverDeadlineGraceNanos,
      DeadlineTimer timer) {
    this.callbackExecutor = callbackExecutor;
    this.scheduler = scheduler;
    this.codec = codec;
    this.maxFrameLength = maxFrameLength;
    this.maxVersion = maxVersion;
    this.connectTimeout = connectTimeout;
    this.serverDeadlineGraceNanos = serverDeadlineGraceNanos;
    this.timer = timer;
  }
}
