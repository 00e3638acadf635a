package org.sshrpc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The long-haul run's arguments and the physical limits it prints figures against. */
class LongHaulTest {
  @Test
  void limitsAreOneCallPerRttKPerRttAndOneWindowPerRttEachWay() {
    assertEquals(20.0, LongHaul.limit(Workload.SEQ, 0.05, 0), 1e-9);
    assertEquals(1280.0, LongHaul.limit(Workload.PIPELINED, 0.05, 0), 1e-9);
    double n = (16 << 20) / 1e6;
    // 2 MiB window: 8 windows each way, (2 x 8 - 1) RTTs
    assertEquals(n / (0.05 * 15), LongHaul.limit(Workload.BULK, 0.05, 2L << 20), 1e-9);
    // a window holding the whole message: one RTT
    assertEquals(n / 0.05, LongHaul.limit(Workload.BULK, 0.05, 32L << 20), 1e-9);
    assertEquals(n / 0.05, LongHaul.limit(Workload.BULK, 0.05, Long.MAX_VALUE), 1e-9);
  }

  @Test
  void parsesItsOptions() {
    LongHaul.Options o = LongHaul.parse(new String[] {"--rtt", "20", "--runs", "2", "--peers", "sshrpc,grpc-tls", "--windows", "512k,8m"});
    assertEquals(20.0, o.rttMillis());
    assertEquals(2, o.runs());
    assertEquals(List.of("sshrpc", "grpc-tls"), o.peers());
    assertEquals(List.of(512L << 10, 8L << 20), o.windows());
    assertEquals(List.of(), LongHaul.parse(new String[] {"--windows", "none"}).windows());
    assertEquals(List.of(8L << 20, 32L << 20), LongHaul.parse(new String[0]).windows());
    assertEquals("window 3k (expected: 64k..1024m)",
        assertThrows(IllegalArgumentException.class, () -> LongHaul.parse(new String[] {"--windows", "3k"})).getMessage());
    assertEquals("unknown peer mina-echo (expected: sshrpc, grpc-tls, erlang-seed)",
        assertThrows(IllegalArgumentException.class, () -> LongHaul.parse(new String[] {"--peers", "mina-echo"})).getMessage());
  }
}
