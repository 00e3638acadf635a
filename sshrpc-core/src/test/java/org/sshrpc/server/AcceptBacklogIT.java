package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.testing.Tools;

/**
 * The server's listen queue is {@link RpcServer#ACCEPT_BACKLOG}, not the JDK's 50: a burst of
 * clients connecting at once must not overflow it (each dropped SYN costs a client a 1 s
 * retransmit). Read from the kernel with {@code ss}, which shows a listening socket's backlog.
 */
class AcceptBacklogIT {
  @TempDir Path dir;

  @Test
  void theListenQueueIsTheConfiguredBacklog() throws Exception {
    String ss = Tools.requireTool("ss");
    try (HardeningFixture fx = HardeningFixture.start(dir, ServerLimits.DEFAULT)) {
      int port = fx.server.port();
      Process p = new ProcessBuilder(ss, "-Hltn", "sport = :" + port).redirectErrorStream(true).start();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      p.getInputStream().transferTo(out);
      assertTrue(p.waitFor(10, TimeUnit.SECONDS), "ss did not finish");
      String line = out.toString(StandardCharsets.UTF_8).trim();
      // "LISTEN 0 1024 [::ffff:127.0.0.1]:PORT *:*": state, queued now, backlog.
      String[] f = line.split("\\s+");
      assertEquals("LISTEN", f[0], line);
      int expected = Math.min(RpcServer.ACCEPT_BACKLOG, somaxconn());
      assertEquals(expected, Integer.parseInt(f[2]), line);
    }
  }

  private static int somaxconn() throws Exception {
    // Read as a stream: procfs reports a size that Files.readString trusts.
    try (java.io.BufferedReader r = java.nio.file.Files.newBufferedReader(Path.of("/proc/sys/net/core/somaxconn"))) {
      return Integer.parseInt(r.readLine().trim());
    }
  }
}
