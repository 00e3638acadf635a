package org.sshrpc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.testing.Tools;

/**
 * The harness over real peers on loopback: every selected workload produces a figure (no
 * "failed" cell) for each subject. No figure is compared with a threshold: these are correctness
 * runs of the benchmark, not measurements.
 */
class BenchHarnessIT {

  private static String run(String... args) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int status = BenchMain.run(BenchMain.parse(args), new PrintStream(buf, true, StandardCharsets.UTF_8));
    String report = buf.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, report);
    return report;
  }

  private static void assertAllMeasured(String report, String... rows) {
    assertFalse(report.contains("failed"), report);
    assertFalse(report.contains("skipped"), report);
    for (String r : rows) {
      assertTrue(report.contains("| " + r), "row " + r + " missing:\n" + report);
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void javaPeersRunEveryCallWorkload() throws Exception {
    Tools.requireTool("ssh-keygen");
    String report = run("--quick", "--peers", "sshrpc,mina-echo,grpc-tls", "--workloads", "a,b,c,c2,d,e");
    assertAllMeasured(report, "(a)", "(b)", "(c) 1 KiB echo sequential", "(c) 1 KiB echo, 64", "(d)", "(e)");
    assertTrue(report.contains("| workload | figure | sshrpc | mina-echo | ratio | grpc-tls | ratio |"), report);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void erlangPeersInteroperate() throws Exception {
    Tools.requireTool("ssh-keygen");
    Tools.requireTool("escript");
    String report = run("--quick", "--peers", "erlang-seed,erlang-client,sshrpc-client-erl", "--workloads", "a,c");
    assertAllMeasured(report, "(a)", "(c) 1 KiB echo sequential");
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void connectionWorkloads() throws Exception {
    Tools.requireTool("ssh-keygen");
    String report = run("--quick", "--peers", "sshrpc,sshrpc-v1raw", "--workloads", "f,g");
    assertAllMeasured(report, "(f)", "(g)");
    assertTrue(report.contains("sshrpc, idle1000: 200 connections: "), report);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void openSshEcho() throws Exception {
    Tools.requireTool("ssh-keygen");
    Tools.requireTool("sshd");
    String report = run("--quick", "--peers", "openssh-echo", "--workloads", "a,c2");
    assertAllMeasured(report, "(a)", "(c) 1 KiB echo, 64");
  }
}
