package org.sshrpc.client;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Term;

/**
 * An extra channel of a connection ({@link RpcConnection#openChannel}) whose calls go through the
 * client's interceptors and default deadline like the connection's own.
 */
final class InterceptedChannel implements RpcChannel {
  private final RpcChannel ch;
  private final NodeAddress node;
  private final InterceptorChain chain;

  InterceptedChannel(RpcChannel ch, NodeAddress node, InterceptorChain chain) {
    this.ch = ch;
    this.node = node;
    this.chain = chain;
  }

  @Override
  public int protocolVersion() {
    return ch.protocolVersion();
  }

  @Override
  public Term call(String m, String f, List<? extends Term> args, CallOptions options) {
    return chain.call(ch, node, m, f, args, options);
  }

  @Override
  public CompletableFuture<Term> callAsync(String m, String f, List<? extends Term> args, CallOptions options) {
    return chain.callAsync(ch, node, m, f, args, options);
  }

  @Override
  public void cast(String m, String f, List<? extends Term> args) {
    ch.cast(m, f, args);
  }

  @Override
  public Term spawn(String m, String f, List<? extends Term> args) {
    return ch.spawn(m, f, args);
  }

  @Override
  public void send(Term destination, Term message) {
    ch.send(destination, message);
  }

  @Override
  public boolean register(ErlAtom name, Term pid) {
    return ch.register(name, pid);
  }

  @Override
  public Term whereis(ErlAtom name) {
    return ch.whereis(name);
  }

  @Override
  public void exit(Term pid, Term reason) {
    ch.exit(pid, reason);
  }

  @Override
  public Mailbox mailbox() {
    return ch.mailbox();
  }

  @Override
  public Term monitor(Mailbox mailbox, Term pid) {
    return ch.monitor(mailbox, pid);
  }

  @Override
  public boolean isOpen() {
    return ch.isOpen();
  }

  @Override
  public void close() {
    ch.close();
  }

  @Override
  public String toString() {
    return ch.toString();
  }
}
