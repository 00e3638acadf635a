package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.term.TermLimits;

/**
 * One server configuration: every limit or pool size set on {@link RpcServer.Builder} or {@link
 * RpcService.Builder} is the value {@code limits()} reports and the value the service enforces.
 * The table below names a check for each setter; the reflective sweep fails for a setter of a
 * limit-like type that has no check, so a new option cannot be added without one.
 */
@Timeout(60)
class ServerConfigTest {
  @TempDir Path dir;

  /** A setter applied to a service builder, and what the built service must then show. */
  private record Setting(UnaryOperator<RpcService.Builder> set, Consumer<RpcService> check) {}

  private static final TermLimits TERM = TermLimits.builder().maxDepth(7).maxInputBytes(5000).build();

  private static final Map<String, Setting> SETTINGS = new LinkedHashMap<>();

  static {
    SETTINGS.put("maxFrameLength", new Setting(b -> b.maxFrameLength(1024), s -> {
      assertEquals(1024, s.limits().maxFrameLength());
      assertEquals(1024, s.maxFrameLength());
      // the decoder's default follows the frame length it is given, wherever it is set
      assertEquals(1024, s.limits().termLimits().maxInputBytes());
      assertEquals(1024, s.decoder().limits().maxInputBytes());
    }));
    SETTINGS.put("maxInFlight", new Setting(b -> b.maxInFlight(7), s -> {
      assertEquals(7, s.limits().maxInFlightPerChannel());
      assertEquals(7, s.maxInFlight());
    }));
    SETTINGS.put("maxOutboundBytes", new Setting(b -> b.maxOutboundBytes(4096), s -> {
      assertEquals(4096, s.limits().maxOutboundBytesPerChannel());
      assertEquals(4096, s.maxOutboundBytes());
    }));
    SETTINGS.put("memoryBudget", new Setting(b -> b.memoryBudget(300 << 20, 100 << 20, 40 << 20), s -> {
      assertEquals(300 << 20, s.limits().memoryBudgetNode());
      assertEquals(100 << 20, s.limits().memoryBudgetPerUser());
      assertEquals(40 << 20, s.limits().memoryBudgetPerConnection());
      assertEquals(300 << 20, s.budget.globalLimit());
      assertEquals(100 << 20, s.budget.userLimit());
      assertEquals(40 << 20, s.budget.connectionLimit());
    }));
    SETTINGS.put("maxWorkersPerUser", new Setting(b -> b.maxWorkersPerUser(3), s -> {
      assertEquals(3, s.limits().maxWorkersPerUser());
      assertEquals(3, s.lanes.perUser());
    }));
    SETTINGS.put("executorThreads", new Setting(b -> b.executorThreads(5), s -> {
      assertEquals(5, s.limits().executorThreads());
      assertEquals(5, s.executor.getMaximumPoolSize());
    }));
    SETTINGS.put("executorQueue", new Setting(b -> b.executorQueue(33), s -> {
      assertEquals(33, s.limits().executorQueue());
      assertEquals(33, s.executor.getQueue().remainingCapacity());
    }));
    SETTINGS.put("defaultCallTimeout", new Setting(b -> b.defaultCallTimeout(Duration.ofSeconds(7)), s -> {
      assertEquals(Duration.ofSeconds(7), s.limits().defaultCallTimeout());
      assertEquals(Duration.ofSeconds(7), s.defaultCallTimeout());
    }));
    SETTINGS.put("frameTimeout", new Setting(b -> b.frameTimeout(Duration.ofSeconds(9)), s -> {
      assertEquals(Duration.ofSeconds(9), s.limits().frameTimeout());
      assertEquals(Duration.ofSeconds(9), s.frameTimeout());
    }));
    SETTINGS.put("termLimits", new Setting(b -> b.termLimits(TERM), s -> {
      assertEquals(TERM, s.limits().termLimits());
      assertEquals(TERM, s.decoder().limits());
    }));
    SETTINGS.put("limits", new Setting(
        b -> b.limits(ServerLimits.builder().maxFrameLength(2048).maxChannelsPerSession(3).build()), s -> {
      assertEquals(2048, s.maxFrameLength());
      assertEquals(2048, s.decoder().limits().maxInputBytes());
      assertEquals(3, s.limits().maxChannelsPerSession());
    }));
  }

  /** Setters whose parameters are limit-like: each must have a row above. */
  private static final Set<Class<?>> LIMIT_TYPES =
      Set.of(int.class, long.class, Duration.class, TermLimits.class, ServerLimits.class);

  private static void sweep(Class<?> builder, Set<String> notLimits) {
    for (Method m : builder.getDeclaredMethods()) {
      if (!Modifier.isPublic(m.getModifiers()) || m.getParameterCount() == 0 || notLimits.contains(m.getName())) {
        continue;
      }
      boolean limitLike = true;
      for (Class<?> p : m.getParameterTypes()) {
        limitLike &= LIMIT_TYPES.contains(p);
      }
      if (limitLike && !SETTINGS.containsKey(m.getName())) {
        fail(builder.getName() + "." + m.getName() + " sets a limit this test does not check");
      }
    }
  }

  @Test
  void everyLimitSetterOfEitherBuilderHasACheck() {
    sweep(RpcService.Builder.class, Set.of());
    // closeTimeout is RpcServer's own wait on close, not a limit a channel or connection enforces
    sweep(RpcServer.Builder.class, Set.of("closeTimeout", "listen"));
  }

  @Test
  void everyServiceSetterIsEnforcedAndReported() {
    for (Map.Entry<String, Setting> e : SETTINGS.entrySet()) {
      RpcService s = e.getValue().set.apply(RpcService.builder().builtins(false)).build();
      try {
        e.getValue().check.accept(s);
      } catch (AssertionError ae) {
        throw new AssertionError("RpcService.Builder." + e.getKey() + ": " + ae.getMessage(), ae);
      } finally {
        s.close();
      }
    }
  }

  @Test
  void everyServerSetterIsEnforcedAndReported() throws Exception {
    Path ak = dir.resolve("authorized_keys");
    Files.writeString(ak, "");
    for (String name : SETTINGS.keySet()) {
      boolean onServer = false;
      for (Method m : RpcServer.Builder.class.getDeclaredMethods()) {
        onServer |= m.getName().equals(name) && Modifier.isPublic(m.getModifiers());
      }
      if (!onServer) {
        continue;
      }
      RpcServer.Builder b = RpcServer.builder().hostKey(dir.resolve("host_ed25519")).authorizedKeys(ak).builtins(false);
      applyToServer(b, name);
      RpcServer server = b.build(); // not started: nothing listens
      try {
        assertEquals(server.service().limits(), server.limits(), name);
        SETTINGS.get(name).check.accept(server.service());
      } catch (AssertionError ae) {
        throw new AssertionError("RpcServer.Builder." + name + ": " + ae.getMessage(), ae);
      } finally {
        server.close();
      }
    }
  }

  /** The server builder's convenience setters, with the same values as the table's. */
  private static void applyToServer(RpcServer.Builder b, String name) {
    switch (name) {
      case "maxFrameLength" -> b.maxFrameLength(1024);
      case "maxInFlight" -> b.maxInFlight(7);
      case "maxOutboundBytes" -> b.maxOutboundBytes(4096);
      case "memoryBudget" -> b.memoryBudget(300 << 20, 100 << 20, 40 << 20);
      case "maxWorkersPerUser" -> b.maxWorkersPerUser(3);
      case "executorThreads" -> b.executorThreads(5);
      case "defaultCallTimeout" -> b.defaultCallTimeout(Duration.ofSeconds(7));
      case "limits" -> b.limits(ServerLimits.builder().maxFrameLength(2048).maxChannelsPerSession(3).build());
      default -> fail("no server setter mapped for " + name);
    }
  }

  @Test
  void theIssuesExample_limitsReportTheFrameLengthThatIsEnforced() throws Exception {
    Path ak = dir.resolve("authorized_keys");
    Files.writeString(ak, "");
    RpcServer server =
        RpcServer.builder().hostKey(dir.resolve("host_ed25519")).authorizedKeys(ak).maxFrameLength(1024).build();
    try {
      assertEquals(1024, server.limits().maxFrameLength());
      // and a channel of that server refuses a frame of 1025 bytes
      PipeTransport pipe = new PipeTransport();
      RpcSession s = server.service().openSession("alice", null, null, pipe);
      byte[] header = {0, 0, 4, 1}; // 1025
      s.feed(header, 0, header.length);
      assertTrue(s.isClosed());
      assertEquals("frame too large: 1025 bytes (expected: <= 1024)", pipe.closedReason);
    } finally {
      server.close();
    }
  }

  @Test
  void settersAfterLimitsChangeItAndLimitsReplacesWhatCameBefore() {
    RpcService a = RpcService.builder().maxInFlight(3).limits(ServerLimits.DEFAULT).maxFrameLength(1000).build();
    try {
      assertEquals(ServerLimits.DEFAULT.maxInFlightPerChannel(), a.maxInFlight());
      assertEquals(1000, a.maxFrameLength());
      // a decoder derived from the default frame length follows the new one
      assertEquals(1000, a.decoder().limits().maxInputBytes());
      assertEquals(ServerLimits.DEFAULT.newBuilder().maxFrameLength(1000).build(), a.limits());
    } finally {
      a.close();
    }
  }
}
