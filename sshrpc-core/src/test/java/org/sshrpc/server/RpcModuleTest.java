package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.term.Term;

class RpcModuleTest {
  @ErlModule("calc")
  public static class Calc {
    public long add(long a, long b) {
      return a + b;
    }

    public List<String> names(String prefix) {
      return List.of(prefix + "1", prefix + "2");
    }

    public Term raw(Term t) {
      return tuple(t, t);
    }
  }

  private static final CallContext CTX = new CallContext() {
    @Override
    public String user() {
      return "u";
    }

    @Override
    public String keyFingerprint() {
      return null;
    }

    @Override
    public java.net.SocketAddress remoteAddress() {
      return null;
    }

    @Override
    public java.util.Optional<java.time.Instant> deadline() {
      return java.util.Optional.empty();
    }

    @Override
    public boolean isCancelled() {
      return false;
    }
  };

  @Test
  void annotatedMethodsAreMappedByNameAndArity() throws Exception {
    RpcModule m = RpcModule.fromAnnotated(new Calc());
    assertEquals("calc", m.name());
    assertEquals(integer(5), m.find("add", 2).function().apply(CTX, List.of(integer(2), integer(3))));
    assertEquals(list(binary("x1"), binary("x2")), m.find("names", 1).function().apply(CTX, List.of(binary("x"))));
    assertEquals(tuple(atom("a"), atom("a")), m.find("raw", 1).function().apply(CTX, List.of(atom("a"))));
    ErlangException e = assertThrows(ErlangException.class, () -> m.find("add", 2).function().apply(CTX, List.of(atom("x"), integer(1))));
    // {badarg, {param, N, Name, Expected}}: the first argument, named a, takes a long
    assertEquals(tuple(atom("badarg"), tuple(atom("param"), integer(1), atom("a"), binary("long"))), e.reason());
    e = assertThrows(ErlangException.class, () -> m.find("names", 1).function().apply(CTX, List.of(integer(7))));
    assertEquals(tuple(atom("badarg"), tuple(atom("param"), integer(1), atom("prefix"), binary("java.lang.String"))), e.reason());
    assertEquals(null, m.find("add", 1));
  }

  public static class NotAnnotated {}

  @ErlModule("bad")
  public static class Overloaded {
    public long f(long a) {
      return a;
    }

    public String f(String a) {
      return a;
    }
  }

  @ErlModule("bad")
  public static class Unmappable {
    public long f(Thread t) {
      return 1;
    }
  }

  @Test
  void badClassesFailEarlyNamingTheMethod() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RpcModule.fromAnnotated(new NotAnnotated()))
        .getMessage().contains("not annotated @ErlModule"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RpcModule.fromAnnotated(new Overloaded()))
        .getMessage().contains("f/1 is overloaded"));
    String msg = assertThrows(IllegalArgumentException.class, () -> RpcModule.fromAnnotated(new Unmappable())).getMessage();
    assertTrue(msg.contains("Unmappable.f: parameter 1"), msg);
  }

  @Test
  void builderRejectsDuplicatesAndBadArity() {
    RpcModule.Builder b = RpcModule.builder("m").function("f", 1, (c, a) -> a.get(0));
    assertEquals("m:f/1 is already exported",
        assertThrows(IllegalArgumentException.class, () -> b.function("f", 1, (c, a) -> a.get(0))).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.function("g", 256, (c, a) -> a.get(0)));
  }

  /** Provider found through ServiceLoader from a jar given to ModuleLoader. */
  public static class TestProvider implements ModuleProvider {
    @Override
    public List<RpcModule> modules() {
      return List.of(RpcModule.builder("from_jar").function("hi", 0, (c, a) -> atom("hello")).build());
    }
  }

  @Test
  void moduleLoaderReadsServiceFilesFromJars(@TempDir Path dir) throws Exception {
    Path jar = dir.resolve("mods.jar");
    try (OutputStream fo = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(fo)) {
      j.putNextEntry(new JarEntry("META-INF/services/" + ModuleProvider.class.getName()));
      j.write((TestProvider.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
      j.closeEntry();
    }
    List<RpcModule> mods = ModuleLoader.fromPaths(List.of(jar));
    assertTrue(mods.stream().anyMatch(m -> m.name().equals("from_jar")), mods.toString());
    assertThrows(java.io.UncheckedIOException.class, () -> ModuleLoader.fromPaths(List.of(dir.resolve("missing.jar"))));
  }

  @Test
  void onlyCheapCallsOfInlineCandidatesRunInline() {
    RpcModule m = RpcModule.builder("m")
        .function("user", 1, (c, a) -> a.get(0))
        .inlineFunction("cheap", 1, a -> ((org.sshrpc.term.ErlInteger) a.get(0)).longValue(), (c, a) -> a.get(0))
        .inlineFunction("broken", 0, a -> {
          throw new IllegalStateException("estimator bug");
        }, (c, a) -> atom("ok"))
        .process("proc", 0, (c, a) -> (p, msg) -> {})
        .build();
    RpcModule.Entry cheap = m.find("cheap", 1);
    assertTrue(cheap.inline());
    assertTrue(cheap.runsInline(List.of(integer(0))));
    assertTrue(cheap.runsInline(List.of(integer(RpcModule.INLINE_MAX_STEPS))));
    assertFalse(cheap.runsInline(List.of(integer(RpcModule.INLINE_MAX_STEPS + 1))));
    assertFalse(cheap.runsInline(List.of(integer(Long.MAX_VALUE))));
    assertFalse(cheap.runsInline(List.of(integer(-1))), "a negative estimate is a bug, not a free call");
    assertFalse(cheap.runsInline(List.of(atom("x"))), "an estimator that throws sends the call to the workers");
    assertFalse(m.find("broken", 0).runsInline(List.of()));
    // User functions and process starters never run inline, whatever their arguments.
    assertFalse(m.find("user", 1).inline());
    assertFalse(m.find("user", 1).runsInline(List.of(integer(0))));
    assertFalse(m.find("proc", 0).inline());
    assertFalse(m.find("proc", 0).runsInline(List.of()));
    // Annotated modules are user functions.
    assertFalse(RpcModule.fromAnnotated(new Calc()).find("add", 2).runsInline(List.of(integer(1), integer(2))));
  }

  @Test
  void inlineFunctionNeedsACostEstimator() {
    assertThrows(NullPointerException.class, () -> RpcModule.builder("m").inlineFunction("f", 0, null, (c, a) -> atom("ok")));
  }
}
