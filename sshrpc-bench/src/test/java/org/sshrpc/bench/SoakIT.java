package org.sshrpc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.testing.Tools;

/**
 * The hostile soak end to end with {@code --quick}: it runs, prints every figure in a form that
 * parses, and leaves no server behind. Neither the goal nor any figure is asserted: this proves
 * the harness, the figures are for the report (docs/limits.md, "Hostile soak").
 */
class SoakIT {
  private static final String NUM = "([0-9]+(?:\\.[0-9]+)?)";
  private static final String MS = "([0-9]+\\.[0-9]+ms|n/a)";
  private static final Pattern PHASE = Pattern.compile(
      "(?m)^(baseline|attack): +operations=([0-9]+) ok=([0-9]+) success=([0-9]+\\.[0-9]+%|n/a) calls/s=" + NUM
          + " p50=" + MS + " p99=" + MS + " max=" + MS + "$");
  private static final Pattern ATTACK = Pattern.compile(
      "(?m)^(1a|1b|1c|2|3a|3b|4a|4b|5|6a|6b) +([0-9]+) +([0-9]+) +([0-9]+) +([0-9]+) +([0-9]+\\.[0-9]) +\\S.*$");
  private static final Pattern GOAL = Pattern.compile(
      "(?m)^GOAL: 100 % success, server alive, p99 ratio ≤ 5: (PASS|FAIL) \\(success .*\\)$");
  private static final Pattern PID = Pattern.compile("(?m)^server: sshrpc serve, pid ([0-9]+), JVM options (.*) \\(from .*\\)$");

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void quickSoakPrintsEveryFigureAndStopsItsServer() throws Exception {
    Tools.requireTool("ssh-keygen");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int status = Soak.run(Soak.parse(new String[] {"--quick", "--attackers", "2", "--legit", "2"}),
        new PrintStream(buf, true, StandardCharsets.UTF_8));
    String report = buf.toString(StandardCharsets.UTF_8);
    System.out.print(report); // the figures, for whoever reads the test output

    Matcher pid = PID.matcher(report);
    assertTrue(pid.find(), report);
    assertTrue(pid.group(2).contains("-Xmx256m"), report);
    Matcher phase = PHASE.matcher(report);
    assertTrue(phase.find(), report);
    assertEquals("baseline", phase.group(1));
    assertTrue(Long.parseLong(phase.group(3)) > 0, "no legitimate call succeeded at baseline:\n" + report);
    assertTrue(phase.find(), report);
    assertEquals("attack", phase.group(1));
    Long.parseLong(phase.group(2));
    assertTrue(Pattern.compile("(?m)^p99 ratio \\(attack/baseline\\): ([0-9]+\\.[0-9]{2}|n/a)$").matcher(report).find(), report);
    assertTrue(Pattern.compile("(?m)^server alive at end: (yes|no, exit status -?[0-9]+)$").matcher(report).find(), report);
    assertTrue(Pattern.compile("(?m)^server memory: RSS ").matcher(report).find(), report);
    assertTrue(Pattern.compile("(?m)^server output: [0-9]+ lines, [0-9]+\\.[0-9] MiB, [0-9]+ unescaped ").matcher(report).find(), report);
    Matcher attack = ATTACK.matcher(report);
    int rows = 0;
    while (attack.find()) {
      rows++;
      assertTrue(Long.parseLong(attack.group(2)) + Long.parseLong(attack.group(4)) > 0,
          "attack " + attack.group(1) + " neither sent anything nor failed trying:\n" + report);
    }
    assertEquals(SoakAttacks.Kind.values().length, rows, report);
    Matcher goal = GOAL.matcher(report);
    assertTrue(goal.find(), report);
    assertEquals(goal.group(1).equals("PASS") ? 0 : 1, status, report);

    // the server JVM stopped with the run (it is ours; nothing else is looked at)
    ProcessHandle.of(Long.parseLong(pid.group(1))).ifPresent(p -> assertFalse(p.isAlive(), "server still running:\n" + report));
  }
}
