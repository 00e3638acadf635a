package org.sshrpc.client;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.sshrpc.term.Term;

/** A mailbox backed by an unbounded queue filled by the channel's reader thread. */
final class RealMailbox implements Mailbox {
  private final Term pid;
  private final LinkedBlockingQueue<Term> queue = new LinkedBlockingQueue<>();

  RealMailbox(Term pid) {
    this.pid = pid;
  }

  void deliver(Term message) {
    queue.add(message);
  }

  @Override
  public Term pid() {
    return pid;
  }

  @Override
  public Optional<Term> receive(Duration timeout) throws InterruptedException {
    return Optional.ofNullable(queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  @Override
  public Optional<Term> poll() {
    return Optional.ofNullable(queue.poll());
  }

  @Override
  public int size() {
    return queue.size();
  }

  @Override
  public String toString() {
    return "Mailbox" + pid;
  }
}
