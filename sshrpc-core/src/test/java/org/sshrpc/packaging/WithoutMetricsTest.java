package org.sshrpc.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Micrometer and the Prometheus registry are optional dependencies of sshrpc-core: a client, and
 * a server without metrics, must work with neither on the class path. Runs {@link
 * WithoutMetricsMain} in a child JVM whose class path is this test's minus every Micrometer,
 * Prometheus, HdrHistogram and LatencyUtils jar, and checks its report line by line.
 */
@Timeout(120)
class WithoutMetricsTest {
  private static boolean metricsJar(String entry) {
    String name = Path.of(entry).getFileName().toString();
    return entry.contains("/io/micrometer/")
        || entry.contains("/io/prometheus/")
        || name.startsWith("micrometer-")
        || name.startsWith("prometheus-metrics-")
        || name.startsWith("HdrHistogram-")
        || name.startsWith("LatencyUtils-");
  }

  @Test
  void clientAndServerWithoutMetricsRunWithoutMicrometer() throws Exception {
    List<String> full = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    assertTrue(full.stream().anyMatch(WithoutMetricsTest::metricsJar), "test class path has Micrometer: " + full);
    String cp =
        full.stream().filter(e -> !e.isEmpty() && !metricsJar(e)).collect(Collectors.joining(File.pathSeparator));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xshare:auto", "-cp", cp, WithoutMetricsMain.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes(); // ends when the child exits (bounded by @Timeout)
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not exit");
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    List<String> lines = Stream.of(text.split("\n")).map(String::strip).collect(Collectors.toList());
    assertFalse(text.contains("NoClassDefFoundError"), text);
    assertTrue(lines.contains("micrometer: absent"), text);
    assertTrue(lines.contains("call: 42"), text);
    assertTrue(lines.contains("builtin: [1,2,3]"), text);
    assertTrue(
        lines.contains(
            "Metrics.builder: metrics need Micrometer on the class path: add io.micrometer:micrometer-core and"
                + " io.micrometer:micrometer-registry-prometheus (optional dependencies of sshrpc-core;"
                + " missing: io.micrometer.core.instrument.MeterRegistry)"),
        text);
    assertTrue(lines.contains("metrics none: enabled=false scrape=[]"), text);
  }
}
