package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Argument parsing of {@code sshrpc stdio} and {@code sshrpc stats}, without a network. */
class OpsCommandsTest {
  @Test
  void stdioOptions() {
    StdioCommand c =
        assertInstanceOf(
            StdioCommand.class,
            Main.fromArgs(
                "stdio", "--policy", "/etc/sshrpc/policy.conf", "--module-path", "a.jar",
                "--module-path", "b.jar", "--log-file", "/tmp/x.log", "--node-name", "n@h",
                "--trust-ssh-user-auth"));
    assertTrue(c.trustSshUserAuth);
    assertEquals(Path.of("/etc/sshrpc/policy.conf"), c.policy);
    assertEquals(List.of(Path.of("a.jar"), Path.of("b.jar")), c.modulePath);
    assertEquals(Path.of("/tmp/x.log"), c.logFile);
    assertEquals("n@h", c.nodeName);
  }

  @Test
  void stdioDefaults() {
    StdioCommand c = assertInstanceOf(StdioCommand.class, Main.fromArgs("stdio"));
    assertNull(c.policy);
    assertTrue(c.modulePath.isEmpty());
    assertNull(c.logFile);
    assertFalse(c.trustSshUserAuth, "SSH_USER_AUTH is not read unless asked");
  }

  @Test
  void stdioRejectsOperands() {
    assertThrows(CommandLine.ParameterException.class, () -> Main.fromArgs("stdio", "extra"));
  }

  @Test
  void statsTakesConnectionOptionsAndANode() {
    StatsCommand c =
        assertInstanceOf(
            StatsCommand.class,
            Main.fromArgs("stats", "-i", "/k/ops", "--known-hosts", "/k/kh", "ops@[::1]:2022"));
    assertEquals(List.of(Path.of("/k/ops")), c.connection.identities);
    assertEquals(Path.of("/k/kh"), c.connection.knownHosts);
    assertEquals(2022, c.node.port());
    assertEquals("ops", c.node.user());
  }

  @Test
  void statsNeedsANode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out), new PrintStream(err), "stats");
    assertEquals(Main.USAGE, code);
    assertEquals(
        "Missing required parameter: 'TARGET'\nTry 'sshrpc stats --help' for more information.\n",
        err.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void outsideSshdStdioRefusesAndWritesNothingToStdout() throws Exception {
    // No USER that matches the account (as when run by hand with a wrong environment) is the
    // library's concern; here: --policy naming a missing file fails before serving, exit 78 (EX_CONFIG).
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream realErr = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.run(new PrintStream(out), new PrintStream(err), "stdio", "--policy", "/nonexistent/policy.conf");
    } finally {
      System.setErr(realErr);
    }
    assertEquals(Main.CONFIG, code);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertEquals("sshrpc stdio: /nonexistent/policy.conf: No such file or directory\n", err.toString(StandardCharsets.UTF_8));
  }
}
