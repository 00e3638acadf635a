package org.sshrpc.server;

import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;

/**
 * One method per kind of {@link ClientMessage}, and the one place that tells them apart. Java 17
 * has no pattern-matching {@code switch}, so the sealed type's cases are listed here once;
 * {@code ClientMessageVisitorTest} checks that every permitted subtype reaches its own method.
 *
 * @param <A> what the caller passes along with each message
 */
interface ClientMessageVisitor<A> {
  void mfa(ClientMessage.Mfa m, A arg);

  void call(ClientMessage.Call c, A arg);

  void cast(ClientMessage.Cast c, A arg);

  void cancel(ClientMessage.Cancel c, A arg);

  void spawn(ClientMessage.Spawn s, A arg);

  void send(ClientMessage.Send s, A arg);

  void register(ClientMessage.Register r, A arg);

  void whereis(ClientMessage.Whereis w, A arg);

  void monitor(ClientMessage.Monitor m, A arg);

  void mailbox(ClientMessage.Mailbox m, A arg);

  void exit(ClientMessage.Exit x, A arg);

  void hello(Hello h, A arg);

  /** Calls the method of {@code v} for {@code msg}'s kind. */
  static <A> void dispatch(ClientMessage msg, ClientMessageVisitor<A> v, A arg) {
    if (msg instanceof ClientMessage.Call c) {
      v.call(c, arg);
    } else if (msg instanceof ClientMessage.Mfa m) {
      v.mfa(m, arg);
    } else if (msg instanceof ClientMessage.Cast c) {
      v.cast(c, arg);
    } else if (msg instanceof ClientMessage.Cancel c) {
      v.cancel(c, arg);
    } else if (msg instanceof ClientMessage.Spawn s) {
      v.spawn(s, arg);
    } else if (msg instanceof ClientMessage.Send s) {
      v.send(s, arg);
    } else if (msg instanceof ClientMessage.Register r) {
      v.register(r, arg);
    } else if (msg instanceof ClientMessage.Whereis w) {
      v.whereis(w, arg);
    } else if (msg instanceof ClientMessage.Monitor m) {
      v.monitor(m, arg);
    } else if (msg instanceof ClientMessage.Mailbox m) {
      v.mailbox(m, arg);
    } else if (msg instanceof ClientMessage.Exit x) {
      v.exit(x, arg);
    } else if (msg instanceof Hello h) {
      v.hello(h, arg);
    } else {
      // Unreachable while this list matches ClientMessage's permits (the test checks it).
      throw new IllegalStateException("unhandled message kind " + msg.getClass().getSimpleName());
    }
  }
}
