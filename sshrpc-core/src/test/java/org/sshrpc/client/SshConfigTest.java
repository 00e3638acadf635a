package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ssh_config resolution as ssh does it: aliases, first value wins, command line before file. */
class SshConfigTest {
  private static final Path HOME = Path.of(System.getProperty("user.home"));

  @TempDir Path dir;

  private Path config(String text) throws IOException {
    return Files.writeString(dir.resolve("config"), text);
  }

  @Test
  void aliasResolvesHostNamePortUserAndFiles() throws Exception {
    Path f = config(
        "Host db1 db1.example\n  HostName 10.0.0.5\n  Port 2299\n  IdentityFile ~/.ssh/work_%r\n"
            + "  CertificateFile ~/.ssh/work-cert.pub\n  IdentitiesOnly yes\n  ConnectTimeout 3\n"
            + "  UserKnownHostsFile ~/kh\n  StrictHostKeyChecking accept-new\n  HashKnownHosts yes\n  IdentityAgent none\n"
            + "Host *\n  User alice\n  Port 1\n  ConnectTimeout 9\n");
    SshConfig.Target t = SshConfig.of(f, List.of()).resolve(NodeAddress.parse("db1"), "local");
    assertEquals("10.0.0.5", t.hostName());
    assertEquals(2299, t.port()); // the first matching entry's value wins over Host *'s
    assertEquals("alice", t.user());
    assertEquals(List.of(HOME.resolve(".ssh/work_alice")), t.identityFiles());
    assertEquals(List.of(HOME.resolve(".ssh/work-cert.pub")), t.certificateFiles()); // once, though MINA collates it twice
    assertTrue(t.identitiesOnly());
    assertEquals(Duration.ofSeconds(3), t.connectTimeout());
    assertEquals(HOME.resolve("kh"), t.knownHosts());
    assertEquals("accept-new", t.strictHostKeyChecking());
    assertTrue(t.hashKnownHosts());
    assertEquals("none", t.identityAgent());
  }

  @Test
  void addressThenCommandLineThenFileThenDefaults() throws Exception {
    Path f = config("Host db1\n  HostName 127.0.0.1\n  Port 2299\n  User filed\n");
    SshConfig file = SshConfig.of(f, List.of());
    assertEquals(2299, file.resolve(NodeAddress.parse("db1"), "local").port());
    assertEquals(2222, file.resolve(NodeAddress.parse("db1:2222"), "local").port()); // written in the address
    assertEquals("bob", file.resolve(NodeAddress.parse("bob@db1"), "local").user());
    assertEquals("filed", file.resolve(NodeAddress.parse("db1"), "local").user());

    SshConfig withOptions = SshConfig.of(f, List.of("Port=7", "User=opt", "Port=8"));
    SshConfig.Target t = withOptions.resolve(NodeAddress.parse("db1"), "local");
    assertEquals(7, t.port()); // -o before the file; the first -o wins
    assertEquals("opt", t.user());
    assertEquals(9, withOptions.resolve(NodeAddress.parse("db1:9"), "local").port());

    // A host the file does not mention: our defaults, not ssh's port 22 or the OS user.
    SshConfig.Target other = file.resolve(NodeAddress.parse("db2"), "local");
    assertEquals("db2", other.hostName());
    assertEquals(NodeAddress.DEFAULT_PORT, other.port());
    assertEquals("local", other.user());
    assertNull(other.knownHosts());
    assertFalse(other.identitiesOnly());
  }

  @Test
  void missingFileIsNoConfigurationAndChangesAreReadAgain() throws Exception {
    Path f = dir.resolve("config");
    SshConfig c = SshConfig.of(f, List.of());
    assertEquals("db1", c.resolve(NodeAddress.parse("db1"), "u").hostName());
    Files.writeString(f, "Host db1\n  HostName 10.1.1.1\n");
    assertEquals("10.1.1.1", c.resolve(NodeAddress.parse("db1"), "u").hostName());
    Files.writeString(f, "Host db1\n  HostName 10.2.2.2\n");
    Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertEquals("10.2.2.2", c.resolve(NodeAddress.parse("db1"), "u").hostName());
  }

  @Test
  void badValuesNameTheFileAndTheKey() throws Exception {
    Path f = config("Host *\n  ConnectTimeout soon\n");
    IOException e = assertThrows(IOException.class, () -> SshConfig.of(f, List.of()).resolve(NodeAddress.parse("x"), "u"));
    assertEquals(f + ": bad ConnectTimeout 'soon' (expected: seconds > 0)", e.getMessage());
    e = assertThrows(IOException.class,
        () -> SshConfig.of(null, List.of("StrictHostKeyChecking=maybe")).resolve(NodeAddress.parse("x"), "u"));
    assertEquals("ssh options: bad StrictHostKeyChecking 'maybe' (expected: yes, accept-new, no, off or ask)", e.getMessage());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> SshConfig.of(null, List.of("Port")));
    assertEquals("bad ssh option 'Port' (expected: Key=Value)", bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SshConfig.of(null, List.of("Port=0")));
  }
}
