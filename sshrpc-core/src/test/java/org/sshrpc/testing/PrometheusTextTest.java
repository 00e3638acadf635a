package org.sshrpc.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The test-side Prometheus text parser is strict enough to catch malformed output. */
class PrometheusTextTest {
  private static final String GOOD =
      "# HELP x_seconds latency \\\\ of \\n things\n"
          + "# TYPE x_seconds histogram\n"
          + "x_seconds_bucket{mfa=\"a:b/1\",le=\"0.1\"} 1\n"
          + "x_seconds_bucket{mfa=\"a:b/1\",le=\"+Inf\"} 2\n"
          + "x_seconds_count{mfa=\"a:b/1\"} 2\n"
          + "x_seconds_sum{mfa=\"a:b/1\"} 0.5\n"
          + "# TYPE c_total counter\n"
          + "c_total{q=\"say \\\"hi\\\"\\n\"} 3.0e0 1700000000000\n"
          + "g NaN\n";

  @Test
  void parsesWellFormedText() {
    PrometheusText p = PrometheusText.parse(GOOD);
    assertEquals("histogram", p.family("x_seconds").orElseThrow().type());
    assertEquals("latency \\ of \n things", p.family("x_seconds").orElseThrow().help());
    assertEquals(2, p.value("x_seconds_count", "mfa", "a:b/1"));
    assertEquals(3, p.value("c_total", "q", "say \"hi\"\n"));
    assertTrue(Double.isNaN(p.value("g")));
    assertEquals("untyped", p.family("g").orElseThrow().type());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "x 1",
        "1x 1\n",
        "x{a=b} 1\n",
        "x{a=\"b\" 1\n",
        "x{a=\"\\t\"} 1\n",
        "x{a=\"b\",a=\"c\"} 1\n",
        "x one\n",
        "x  1\n",
        "x 1 2 3\n",
        "# TYPE x gauge\n# TYPE x gauge\nx 1\n",
        "# TYPE x foo\nx 1\n",
        "x 1\n# TYPE x gauge\n",
        "x{a=\"1\"} 1\ny 2\nx{a=\"2\"} 1\n",
        "# TYPE c counter\nc -1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 0\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 1\nh_sum 0\n",
      })
  void rejectsMalformedText(String text) {
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(text));
  }
}
