package org.sshrpc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line of the benchmark and the median it reports. */
class BenchMainTest {

  @Test
  void defaultsRunEverythingThreeTimes() {
    BenchMain.Options o = BenchMain.parse(new String[0]);
    assertEquals(3, o.runs());
    assertFalse(o.quick());
    assertEquals(EnumSet.allOf(Workload.class), o.workloads());
    assertEquals(Subjects.ALL, o.peers());
  }

  @Test
  void quickRunsOnceUnlessTold() {
    assertEquals(1, BenchMain.parse(new String[] {"--quick"}).runs());
    assertEquals(5, BenchMain.parse(new String[] {"--quick", "--runs", "5"}).runs());
  }

  @Test
  void workloadsByLetterOrId() {
    BenchMain.Options o = BenchMain.parse(new String[] {"--workloads", "a,pipelined,c2,G"});
    assertEquals(EnumSet.of(Workload.SEQ, Workload.PIPELINED, Workload.ECHO_1K_PIPELINED, Workload.IDLE_1000), o.workloads());
  }

  @Test
  void peersKeepTheirOrder() {
    assertEquals(List.of("grpc-tls", "mina-echo"), BenchMain.parse(new String[] {"--peers", "grpc-tls,mina-echo"}).peers());
  }

  @Test
  void badInputIsNamed() {
    assertEquals("unknown workload: z (expected: a, b, c, c2, d, e, f, g or their ids)",
        assertThrows(IllegalArgumentException.class, () -> BenchMain.parse(new String[] {"--workloads", "z"})).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchMain.parse(new String[] {"--peers", "corba"}))
        .getMessage().startsWith("unknown peer corba (expected: sshrpc, "));
    assertEquals("--runs 0 (expected: 1..99)",
        assertThrows(IllegalArgumentException.class, () -> BenchMain.parse(new String[] {"--runs", "0"})).getMessage());
    assertEquals("--runs needs a value",
        assertThrows(IllegalArgumentException.class, () -> BenchMain.parse(new String[] {"--runs"})).getMessage());
    assertEquals("unknown option --fast",
        assertThrows(IllegalArgumentException.class, () -> BenchMain.parse(new String[] {"--fast"})).getMessage());
  }

  @Test
  void medianIgnoresFailuresAndPicksTheMiddleRun() {
    Result a = Result.of(10);
    Result b = Result.of(30);
    Result c = Result.of(20);
    Result failed = Result.failed("boom");
    assertEquals(c, BenchMain.median(List.of(a, b, failed, c)));
    assertEquals(failed, BenchMain.median(List.of(failed)));
  }
}
