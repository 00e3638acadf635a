package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.server.RpcServer;

/** {@code sshrpc call -v} and {@code multicall} over a fleet target of two real servers. */
@Timeout(120)
class FleetCliIT {
  @TempDir Path dir;

  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void callSaysWhichReplicaAnsweredAndMulticallCallsThemAll() throws Exception {
    HostKeys user = HostKeys.loadOrGenerate(dir.resolve("id_user"));
    Files.writeString(dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + System.getProperty("user.name") + "\" " + user.publicKeyLine() + "\n");
    try (RpcServer a = server("a");
        RpcServer b = server("b")) {
      Path kh = dir.resolve("known_hosts");
      Files.writeString(kh, "[127.0.0.1]:" + a.port() + " " + a.hostKeys().publicKeyLine() + "\n"
          + "[127.0.0.1]:" + b.port() + " " + b.hostKeys().publicKeyLine() + "\n");
      String target = "127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port();
      Set<String> answered = new HashSet<>();
      for (int i = 0; i < 40 && answered.size() < 2; i++) {
        String[] r = run("call", "-v", "-i", dir.resolve("id_user").toString(), "--known-hosts", kh.toString(), target,
            "sshrpc:ping()");
        assertEquals("0", r[0], r[2]);
        assertEquals("pong\n", r[1]);
        assertTrue(r[2].startsWith("sshrpc: answered by 127.0.0.1:"), r[2]);
        answered.add(r[2].trim());
      }
      assertEquals(Set.of("sshrpc: answered by 127.0.0.1:" + a.port(), "sshrpc: answered by 127.0.0.1:" + b.port()), answered);
      String[] m = run("multicall", "-i", dir.resolve("id_user").toString(), "--known-hosts", kh.toString(), target,
          "sshrpc:ping()");
      assertEquals("0", m[0], m[2]);
      assertEquals("127.0.0.1:" + a.port() + "\tpong\n127.0.0.1:" + b.port() + "\tpong\n{[pong,pong],[]}\n", m[1]);
    }
  }

  private RpcServer server(String name) throws Exception {
    return RpcServer.builder()
        .listen("127.0.0.1", 0)
        .hostKey(dir.resolve("host_" + name))
        .authorizedKeys(dir.resolve("authorized_keys"))
        .build()
        .start();
  }
}
