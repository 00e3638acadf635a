package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Term;

/** Proxy validation happens at proxy() time, before any call; no channel is used. */
class ProxiesTest {
  @RemoteModule("lists")
  interface Good {
    List<Long> seq(long from, long to);

    @RemoteFunction("reverse")
    List<String> backwards(List<String> l);

    CompletableFuture<Long> sum(List<Long> l);

    void fire(Term t);

    default String name() {
      return "lists";
    }
  }

  interface NotAnnotated {
    long f();
  }

  @RemoteModule("m")
  interface BadParam {
    long ok(long x);

    long bad(Thread t);
  }

  @RemoteModule("m")
  interface BadReturn {
    StringBuilder sb();
  }

  @RemoteModule("")
  interface EmptyName {}

  private static final RpcChannel UNUSED = new UnusedChannel();

  @Test
  void acceptsSupportedSignatures() {
    Good g = Proxies.create(UNUSED, Good.class, CallOptions.DEFAULT);
    assertEquals("lists", g.name());
    assertTrue(g.toString().contains("lists"));
  }

  @Test
  void rejectsEarlyNamingTheProblem() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Proxies.create(UNUSED, NotAnnotated.class, CallOptions.DEFAULT))
        .getMessage().contains("@RemoteModule"));
    IllegalArgumentException p = assertThrows(IllegalArgumentException.class, () -> Proxies.create(UNUSED, BadParam.class, CallOptions.DEFAULT));
    assertTrue(p.getMessage().contains("BadParam.bad"), p.getMessage());
    assertTrue(p.getMessage().contains("java.lang.Thread"), p.getMessage());
    IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> Proxies.create(UNUSED, BadReturn.class, CallOptions.DEFAULT));
    assertTrue(r.getMessage().contains("BadReturn.sb"), r.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Proxies.create(UNUSED, EmptyName.class, CallOptions.DEFAULT));
    assertThrows(IllegalArgumentException.class, () -> Proxies.create(UNUSED, String.class, CallOptions.DEFAULT));
  }

  /** A channel that fails the test if used: validation must not call. */
  private static final class UnusedChannel implements RpcChannel {
    private static AssertionError used() {
      return new AssertionError("validation must not touch the channel");
    }

    @Override public int protocolVersion() { throw used(); }
    @Override public Term call(String m, String f, List<? extends Term> args, CallOptions o) { throw used(); }
    @Override public CompletableFuture<Term> callAsync(String m, String f, List<? extends Term> args, CallOptions o) { throw used(); }
    @Override public void cast(String m, String f, List<? extends Term> args) { throw used(); }
    @Override public Term spawn(String m, String f, List<? extends Term> args) { throw used(); }
    @Override public void send(Term d, Term msg) { throw used(); }
    @Override public boolean register(ErlAtom name, Term pid) { throw used(); }
    @Override public Term whereis(ErlAtom name) { throw used(); }
    @Override public void exit(Term pid, Term reason) { throw used(); }
    @Override public Mailbox mailbox() { throw used(); }
    @Override public Term monitor(Mailbox mb, Term pid) { throw used(); }
    @Override public boolean isOpen() { return true; }
    @Override public void close() {}
    @Override public String toString() { return "unused"; }
  }
}
