package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlPid;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;

/** Every kind of client message reaches its own method of the visitor, and none is missing. */
class ClientMessageVisitorTest {
  private static final ErlAtom M = ErlAtom.of("m");
  private static final ErlPid PID = ErlPid.of(ErlAtom.of("n@h"), 1, 0, 0);

  /** One message of each kind, and the visitor method it must reach. */
  private static final List<Object[]> SAMPLES =
      List.of(
          new Object[] {ClientMessage.Mfa.of("m", "f", ErlList.NIL), "mfa"},
          new Object[] {new ClientMessage.Call(1, M, M, ErlList.NIL, ClientMessage.Call.INFINITY), "call"},
          new Object[] {new ClientMessage.Cast(M, M, ErlList.NIL), "cast"},
          new Object[] {new ClientMessage.Cancel(1), "cancel"},
          new Object[] {new ClientMessage.Spawn(1, M, M, ErlList.NIL), "spawn"},
          new Object[] {new ClientMessage.Send(M, M), "send"},
          new Object[] {new ClientMessage.Register(1, M, PID), "register"},
          new Object[] {new ClientMessage.Whereis(1, M), "whereis"},
          new Object[] {new ClientMessage.Monitor(1, PID), "monitor"},
          new Object[] {new ClientMessage.Mailbox(1), "mailbox"},
          new Object[] {new ClientMessage.Exit(1, PID, M), "exit"},
          new Object[] {new Hello(Hello.VERSION, ErlMap.of()), "hello"});

  @Test
  void everyPermittedKindHasASampleHere() {
    Set<Class<?>> sampled = new HashSet<>();
    for (Object[] s : SAMPLES) {
      sampled.add(s[0].getClass());
    }
    assertEquals(Set.of(ClientMessage.class.getPermittedSubclasses()), sampled);
  }

  @Test
  void eachKindReachesItsOwnMethodWithTheArgument() {
    AtomicReference<String> called = new AtomicReference<>();
    InvocationHandler h = (proxy, method, args) -> {
      assertEquals("arg", args[1]);
      called.set(method.getName());
      return null;
    };
    @SuppressWarnings("unchecked")
    ClientMessageVisitor<String> v =
        (ClientMessageVisitor<String>) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {ClientMessageVisitor.class}, h);
    Set<String> methods = new HashSet<>();
    for (Object[] s : SAMPLES) {
      called.set(null);
      ClientMessageVisitor.dispatch((ClientMessage) s[0], v, "arg");
      assertEquals(s[1], called.get(), s[0].getClass().getSimpleName());
      methods.add(called.get());
    }
    assertEquals(SAMPLES.size(), methods.size(), "one method per kind");
  }
}
