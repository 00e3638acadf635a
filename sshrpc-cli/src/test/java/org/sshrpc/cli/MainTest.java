package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Terms;
import picocli.CommandLine;

/** The command line parsed without any network: defaults, addresses, exit codes for bad input. */
@Timeout(20)
class MainTest {
  private static final Path HOME = Path.of(System.getProperty("user.home"));

  @TempDir Path dir;

  /** Runs a command that must not touch the network; returns {exit, stdout, stderr}. */
  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args);
    return new String[] {
      String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
    };
  }

  @Test
  void callDefaults() {
    CallCommand c = assertInstanceOf(CallCommand.class, Main.fromArgs("call", "db1", "lists:seq(1, 100)"));
    assertEquals(NodeAddress.of(null, "db1", 2222), c.node);
    assertNull(c.node.user());
    assertEquals(ErlAtom.of("lists"), c.call.module());
    assertEquals(ErlAtom.of("seq"), c.call.function());
    assertEquals(List.of(Terms.integer(1), Terms.integer(100)), c.call.args());
    assertEquals(List.of(), c.connection.identities); // the library then picks ~/.ssh/id_ed25519, id_ecdsa, id_rsa
    assertNull(c.connection.knownHosts); // the ssh config's UserKnownHostsFile, else ~/.ssh/known_hosts
    assertEquals(HOME.resolve(".ssh/config"), c.connection.configPath());
    assertEquals(List.of(), c.connection.options());
    assertFalse(c.connection.acceptNewHost);
    assertNull(c.connection.user);
    assertNull(c.timeout());
  }

  @Test
  void callWithEveryOption() {
    CallCommand c =
        assertInstanceOf(
            CallCommand.class,
            Main.fromArgs(
                "call", "-i", "k1", "-i", "k2", "--known-hosts", "kh", "--accept-new-host", "-l", "bob",
                "--timeout", "1500", "alice@[::1]:2223", "'my mod':f({a,\"b\"}, <<1,2>>)"));
    assertEquals(List.of(Path.of("k1"), Path.of("k2")), c.connection.identities);
    assertEquals(Path.of("kh"), c.connection.knownHosts);
    assertTrue(c.connection.acceptNewHost);
    assertEquals("bob", c.connection.user);
    assertEquals(Duration.ofMillis(1500), c.timeout());
    assertEquals(NodeAddress.of("alice", "::1", 2223), c.node);
    assertEquals("'my mod':f({a,\"b\"},<<1,2>>)", c.call.toString());
  }

  @Test
  void sshClientOptionsBecomeSshConfigOptionsCommandLineFirst() {
    CallCommand c =
        assertInstanceOf(
            CallCommand.class,
            Main.fromArgs(
                "call", "-p", "2299", "-l", "bob", "-F", "none", "-o", "IdentitiesOnly=yes", "-o", "Port=1",
                "--known-hosts", "kh", "--accept-new-host", "--connect-timeout", "2.5", "-vv", "db1", "m:f()"));
    // -l, -p, --known-hosts and --accept-new-host first: the first value of a key wins, as in ssh.
    assertEquals(
        List.of("User=bob", "Port=2299", "UserKnownHostsFile=kh", "StrictHostKeyChecking=accept-new", "IdentitiesOnly=yes", "Port=1"),
        c.connection.options());
    assertNull(c.connection.configPath());
    assertEquals(Duration.ofMillis(2500), c.connection.connectTimeout());
    assertEquals(2, c.connection.verbose.length);
    assertEquals(Path.of("my_config"), assertInstanceOf(CallCommand.class, Main.fromArgs("call", "-F", "my_config", "db1", "m:f()")).connection.configPath());
  }

  @Test
  void badSshClientOptionsAreOneLineUsageErrors() {
    String[] r = run("call", "-o", "NoValue", "db1", "m:f()");
    assertEquals("64", r[0]);
    assertEquals("-o NoValue: bad ssh option 'NoValue' (expected: Key=Value)\nTry 'sshrpc call --help' for more information.\n", r[2]);
    r = run("cast", "-p", "70000", "db1", "m:f()");
    assertEquals("64", r[0]);
    assertEquals("-p 70000: port out of range (expected: 1..65535)\nTry 'sshrpc cast --help' for more information.\n", r[2]);
    r = run("stats", "--connect-timeout", "0", "db1");
    assertEquals("64", r[0]);
    assertEquals("--connect-timeout must be positive: 0\nTry 'sshrpc stats --help' for more information.\n", r[2]);
    Path missing = dir.resolve("missing_config");
    r = run("call", "-F", missing.toString(), "db1", "m:f()");
    assertEquals("2", r[0]);
    assertEquals("sshrpc: Can't open user config file " + missing + ": No such file or directory\n", r[2]);
  }

  @Test
  void nodeAddresses() {
    assertEquals(NodeAddress.of(null, "::1", 2222), call("[::1]").node);
    assertEquals(NodeAddress.of(null, "::1", 2300), call("[::1]:2300").node);
    assertEquals(NodeAddress.of("u", "fe80::1", 2222), call("u@[fe80::1]").node);
    assertEquals(NodeAddress.of(null, "10.0.0.1", 22), call("10.0.0.1:22").node);
    assertEquals(NodeAddress.of("u", "h.example", 2222), call("u@h.example").node);
  }

  private static CallCommand call(String node) {
    return (CallCommand) Main.fromArgs("call", node, "m:f()");
  }

  @Test
  void badArgumentsExitWithUsage() {
    String[] r = run("call", "db1", "lists:seq(1,");
    assertEquals("64", r[0]);
    assertTrue(
        r[2].startsWith(
            "Invalid value for positional parameter at index 1 (Module:Function(Args...)): bad call"
                + " 'lists:seq(1,': column 13: expected a term but the input ended"),
        r[2]);
    assertEquals("", r[1]);

    r = run("call", "db1:99999", "m:f()");
    assertEquals("64", r[0]);
    assertTrue(r[2].contains("bad port '99999' in node address: db1:99999 (expected: 1..65535)"), r[2]);

    r = run("call", "db1");
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("Missing required parameter: 'Module:Function(Args...)'"), r[2]);

    r = run("call", "--timeout", "0", "127.0.0.1:1", "m:f()");
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("--timeout must be positive: 0"), r[2]);

    r = run("frobnicate");
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("Unmatched argument at index 0: 'frobnicate'"), r[2]);

    assertThrows(CommandLine.ParameterException.class, () -> Main.fromArgs("call", "-x", "h", "m:f()"));
  }

  @Test
  void helpListsTheSubcommands() {
    String[] r = run("--help");
    assertEquals("0", r[0]);
    for (String sub : List.of("serve", "call", "cast", "multicall", "demo")) {
      assertTrue(r[1].contains("\n  " + sub + " "), sub + " missing from:\n" + r[1]);
    }
    r = run("help", "call");
    assertEquals("0", r[0]);
    assertTrue(r[1].contains("--accept-new-host"), r[1]);
  }

  @Test
  void serveDefaultsAndListenAddresses() {
    ServeCommand s = assertInstanceOf(ServeCommand.class, Main.fromArgs("serve"));
    assertEquals(List.of(new InetSocketAddress("127.0.0.1", 2222)), s.listenAddresses());
    assertEquals(HOME.resolve(".sshrpc/host_ed25519"), s.hostKey);
    assertEquals(HOME.resolve(".sshrpc/authorized_keys"), s.authorizedKeys);
    assertNull(s.policy);
    assertEquals(List.of(), s.modulePath);
    assertNull(s.nodeName);

    s =
        (ServeCommand)
            Main.fromArgs(
                "serve", "--listen", "[::1]:2222", "--listen", "0.0.0.0:0", "--host-key", "hk",
                "--authorized-keys", "ak", "--policy", "p", "--module-path", "a.jar",
                "--module-path", "b.jar", "--node-name", "n1");
    assertEquals(
        List.of(new InetSocketAddress("::1", 2222), new InetSocketAddress("0.0.0.0", 0)), s.listenAddresses());
    assertEquals("[::1]:2222", Cli.format(s.listenAddresses().get(0)));
    assertEquals("0.0.0.0:0", Cli.format(s.listenAddresses().get(1)));
    assertEquals("::", Cli.compressIpv6("0:0:0:0:0:0:0:0"));
    assertEquals("fe80::1:0:0:2", Cli.compressIpv6("fe80:0:0:0:1:0:0:2"));
    assertEquals("1:0:2:0:3:0:4:0", Cli.compressIpv6("1:0:2:0:3:0:4:0"));
    assertEquals("1::", Cli.compressIpv6("1:0:0:0:0:0:0:0"));
    assertEquals(Path.of("hk"), s.hostKey);
    assertEquals(Path.of("ak"), s.authorizedKeys);
    assertEquals(Path.of("p"), s.policy);
    assertEquals(List.of(Path.of("a.jar"), Path.of("b.jar")), s.modulePath);
    assertEquals("n1", s.nodeName);

    for (String bad : List.of("2222", "[::1]", "[::1]2222", "host:", "host:65536", "::1:2222", ":2222")) {
      String[] r = run("serve", "--listen", bad);
      assertEquals("64", r[0], bad);
      assertTrue(r[2].contains("bad listen address '" + bad + "'"), r[2]);
    }
  }

  @Test
  void serveRevokedKeysAndTrustedUserCaFlags() throws Exception {
    ServeCommand s = assertInstanceOf(ServeCommand.class, Main.fromArgs("serve"));
    assertEquals(List.of(), s.revokedKeys);
    assertEquals(List.of(), s.trustedUserCa);

    Path ak = Files.writeString(dir.resolve("ak"), "");
    Path rev1 = Files.writeString(dir.resolve("rev1"), "# none\n");
    Path rev2 = Files.writeString(dir.resolve("rev2"), "# none\n");
    Path ca = Files.writeString(dir.resolve("ca"), "# none\n");
    s =
        (ServeCommand)
            Main.fromArgs(
                "serve", "--authorized-keys", ak.toString(), "--revoked-keys", rev1.toString(),
                "--revoked-keys", rev2.toString(), "--trusted-user-ca", ca.toString());
    assertEquals(List.of(rev1, rev2), s.revokedKeys);
    assertEquals(List.of(ca), s.trustedUserCa);
    assertInstanceOf(org.sshrpc.auth.AuthorizedKeysAuthenticator.class, s.authenticator());

    // A mistyped file fails the start instead of silently revoking (or trusting) nothing.
    Path missing = dir.resolve("revoked-typo");
    ServeCommand bad =
        (ServeCommand) Main.fromArgs("serve", "--authorized-keys", ak.toString(), "--revoked-keys", missing.toString());
    java.nio.file.NoSuchFileException e =
        org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.NoSuchFileException.class, bad::authenticator);
    assertEquals(missing + ": --revoked-keys file does not exist", e.getMessage());
    ServeCommand badCa =
        (ServeCommand) Main.fromArgs("serve", "--authorized-keys", ak.toString(), "--trusted-user-ca", missing.toString());
    e = org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.NoSuchFileException.class, badCa::authenticator);
    assertEquals(missing + ": --trusted-user-ca file does not exist", e.getMessage());
  }

  @Test
  void multicallNodesFromTheCommandLineAndAClusterFile() throws Exception {
    Path cluster = dir.resolve("cluster");
    Files.writeString(cluster, "# production\nalice@db1:2300\n\n[::1]   # local\ndb3 # third\n");
    MulticallCommand m =
        assertInstanceOf(
            MulticallCommand.class,
            Main.fromArgs("multicall", "--cluster", cluster.toString(), "--timeout", "700", "db4:2401", "lists:sum([1,2])"));
    assertEquals(
        List.of(
            NodeAddress.of("alice", "db1", 2300),
            NodeAddress.of(null, "::1", 2222),
            NodeAddress.of(null, "db3", 2222),
            NodeAddress.of(null, "db4", 2401)),
        m.nodes());
    assertEquals("lists:sum([1,2])", m.parsedCall().toString());
    assertEquals(Duration.ofMillis(700), m.timeout());

    MulticallCommand d = (MulticallCommand) Main.fromArgs("multicall", "db1", "db2", "m:f()");
    assertEquals(Duration.ofSeconds(30), d.timeout());
    assertEquals(List.of(NodeAddress.of(null, "db1", 2222), NodeAddress.of(null, "db2", 2222)), d.nodes());

    Files.writeString(cluster, "db1\ndb2:0\n");
    String[] r = run("multicall", "--cluster", cluster.toString(), "m:f()");
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith(cluster + ":2: bad port '0' in node address: db2:0"), r[2]);

    r = run("multicall", "m:f()");
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("no nodes: give NODE... or --cluster FILE"), r[2]);

    r = run("multicall", "db1", "m:f(");
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("bad call 'm:f(': column 5: expected a term but the input ended"), r[2]);
  }

  @Test
  void castAndDemoOptions() {
    CastCommand c = assertInstanceOf(CastCommand.class, Main.fromArgs("cast", "-l", "ops", "db1", "logger:info(<<\"hi\">>)"));
    assertEquals("ops", c.connection.user);
    assertEquals(List.of(Terms.binary("hi")), c.call.args());

    DemoCommand d = assertInstanceOf(DemoCommand.class, Main.fromArgs("demo"));
    assertEquals(10_000, d.calls);
    String[] r = run("demo", "--calls", "0");
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("--calls must be >= 1 and --warmup >= 0"), r[2]);
  }

  /** Issue 12: `sshrpc CMD --help` and `-h` work on every command, and print that command's usage. */
  @Test
  void helpOnEverySubcommand() {
    for (String cmd : List.of("serve", "call", "cast", "multicall", "demo", "stdio", "stats", "bench")) {
      for (String flag : List.of("--help", "-h")) {
        String[] r = run(cmd, flag);
        assertEquals("0", r[0], cmd + " " + flag + ": " + r[2]);
        assertTrue(r[1].startsWith("Usage: sshrpc " + cmd), cmd + " " + flag + ": " + r[1]);
        assertEquals("", r[2], cmd + " " + flag);
      }
    }
  }

  /** An argument error is picocli's one-line message and one hint line, not the whole usage. */
  @Test
  void anArgumentErrorIsOneLineAndAHint() {
    String[] r = run("call", "--no-such-option", "127.0.0.1:1", "sshrpc:ping()");
    assertEquals("64", r[0]);
    assertEquals("Unknown option: '--no-such-option'\nTry 'sshrpc call --help' for more information.\n",
        r[2].replace("\r\n", "\n"));
    assertEquals("", r[1]);
  }
}
