package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the sshd-provided identity; key lines and fingerprints from real ssh-keygen output. */
class StdioIdentityTest {
  // ssh-keygen -lf: 256 SHA256:uGIm6tKmVmWHvtwRDRhMXNNV5EFeaeaEvYuiMrcUrAU (ED25519)
  static final String ED25519 =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMze7r0oaoU7M0W3fLBzuKyRRjD01OoT5F8FzKmww3Yf";
  static final String ED25519_FP = "SHA256:uGIm6tKmVmWHvtwRDRhMXNNV5EFeaeaEvYuiMrcUrAU";
  // The same key certified by a CA for principals alice,bob (ssh-keygen -s ca -n alice,bob).
  static final String CERT =
      "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIMEsdoaUQF+l4M63D4J5GzN/0KTALfDyhqeoXB5x6NV/AAAAIMze7r0oaoU7M0W3fLBzuKyRRjD01OoT5F8FzKmww3YfAAAAAAAAAAAAAAABAAAAA2lkMQAAABAAAAAFYWxpY2UAAAADYm9iAAAAAGsIVlQAAAAAawhkxQAAAAAAAACCAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIKkkxlgbqAVvBVDAUQmQV23DGcwCgMx2+Ii46MfGbMeuAAAAUwAAAAtzc2gtZWQyNTUxOQAAAECp2PHFGr35y4F2p1Y/A0w4nIo858Wt5kHXnx+F8oq83Gz/fP6jH3+cbHegUdlzGdSMy6WjjUMCoz0z076zrFgO";
  // 2048 SHA256:Qu0VCcqLW/GsJtXCSJQdJQZ2KVlhS4hPGKuoBtfpg/s (RSA)
  static final String RSA =
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDmzo24uuJFnpFEd+YXpluSauqYl7G4RO+9fWZBurtYY65QdJqIWhye2edB9mJTL2E6oJSjTiI3tvcy4EF7dDG5c0RZLEiXh/PjeFXY9CCJONmrrcqWvtTBbIX2f/fnCDH1jiExvlJeHPKSYjdUcCQsYmHc0HqECmXH8b0GbcWKF7RNEJibYSxj2gvMN8CnMyYDDlqdRYSOA3ojAbKxVtSRUmCi0Zx608bdr1B9R6O2f+ec+wd++eD3iSbiK9D41FqMZ0SF6/zqJA2+NGJTKWmmer5wsiR2Nn5wB7ZMXsmqh/VinQOMKACC1OFJt7u7bpWlMgLHYcbXF9Wrj0VqNjSZ";
  static final String RSA_FP = "SHA256:Qu0VCcqLW/GsJtXCSJQdJQZ2KVlhS4hPGKuoBtfpg/s";

  @TempDir Path tmp;
  private final List<Path> created = new ArrayList<>();

  /**
   * A file like the one sshd's ExposeAuthInfo writes: /tmp/sshauth.XXXXXXXXXXXXXXX, mode 0600,
   * owned by this process's user. The caller deletes it.
   */
  static Path sshdAuthFile(String content) throws IOException {
    String alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    SecureRandom r = new SecureRandom();
    StringBuilder name = new StringBuilder("sshauth.");
    for (int i = 0; i < 15; i++) {
      name.append(alnum.charAt(r.nextInt(alnum.length())));
    }
    Path f =
        Files.createFile(
            StdioIdentity.AUTH_INFO_DIR.resolve(name.toString()),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    return Files.writeString(f, content);
  }

  @AfterEach
  void deleteAuthFiles() throws IOException {
    for (Path f : created) {
      Files.deleteIfExists(f);
    }
  }

  private Map<String, String> env(String authInfo) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("USER", "alice");
    env.put("LOGNAME", "alice");
    env.put("SSH_CONNECTION", "192.0.2.7 50022 127.0.0.1 22");
    if (authInfo != null) {
      Path f = sshdAuthFile(authInfo);
      created.add(f);
      env.put("SSH_USER_AUTH", f.toString());
    }
    return env;
  }

  private static StdioIdentity trusted(Map<String, String> env, String osUser) throws IOException {
    return StdioIdentity.fromEnvironment(env, osUser, true);
  }

  @Test
  void readsUserKeyAndAddress() throws IOException {
    StdioIdentity id = trusted(env("publickey " + ED25519 + "\n"), "alice");
    assertEquals("alice", id.user());
    assertEquals("ssh-ed25519", id.keyType());
    assertEquals(ED25519_FP, id.keyFingerprint());
    assertEquals(List.of(), id.certificatePrincipals());
    assertEquals(new InetSocketAddress("192.0.2.7", 50022), id.remoteAddress());
  }

  @Test
  void rsaKeyFingerprint() throws IOException {
    StdioIdentity id = trusted(env("publickey " + RSA + "\n"), "alice");
    assertEquals(RSA_FP, id.keyFingerprint());
  }

  @Test
  void certificateGivesCertifiedKeyFingerprintAndPrincipals() throws IOException {
    StdioIdentity id =
        trusted(env("publickey " + CERT + " trailing info\n"), "alice");
    assertEquals("ssh-ed25519-cert-v01@openssh.com", id.keyType());
    assertEquals(ED25519_FP, id.keyFingerprint());
    assertEquals(List.of("alice", "bob"), id.certificatePrincipals());
  }

  @Test
  void firstKeyOfSeveralMethods() throws IOException {
    StdioIdentity id =
        trusted(
            env("password\npublickey " + RSA + "\npublickey " + ED25519 + "\n"), "alice");
    assertEquals(RSA_FP, id.keyFingerprint());
  }

  @Test
  void withoutExposeAuthInfoThereIsNoKey() throws IOException {
    StdioIdentity id = trusted(env(null), "alice");
    assertEquals("alice", id.user());
    assertNull(id.keyFingerprint());
    assertNull(id.keyType());
  }

  @Test
  void withoutTrustTheVariableIsIgnored() throws IOException {
    // ExposeAuthInfo no + a matching AcceptEnv: the client's own SSH_USER_AUTH must not count.
    Map<String, String> e = env("publickey " + ED25519 + "\n");
    StdioIdentity id = StdioIdentity.fromEnvironment(e, "alice", false);
    assertEquals("alice", id.user());
    assertNull(id.keyFingerprint());
    assertNull(id.keyType());
    e.put("SSH_USER_AUTH", "/nonexistent/file");
    assertNull(StdioIdentity.fromEnvironment(e, "alice", false).keyFingerprint(), "not even opened");
  }

  @Test
  void trustedFileMustBeTheOneSshdWrites() throws Exception {
    String key = "publickey " + ED25519 + "\n";
    // Elsewhere than /tmp/sshauth.<15 letters or digits>.
    Path elsewhere = Files.writeString(tmp.resolve("sshauth.ABCDEFGHIJKLMNO"), key);
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rw-------"));
    assertEquals(
        "SSH_USER_AUTH names '" + elsewhere + "', which is not a file sshd's ExposeAuthInfo wrote:"
            + " its name is not /tmp/sshauth. and 15 letters or digits",
        refusal(elsewhere));
    Path good = sshdAuthFile(key);
    created.add(good);
    assertEquals(ED25519_FP, trusted(withAuth(good), "alice").keyFingerprint());
    Path shortName = StdioIdentity.AUTH_INFO_DIR.resolve(good.getFileName() + "x");
    assertTrue(refusal(shortName).endsWith(": its name is not /tmp/sshauth. and 15 letters or digits"));

    Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("rw-r--r--"));
    assertTrue(refusal(good).endsWith(": its mode is 0644, not 0600"), refusal(good));
    Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("rw-------"));

    // Somebody else's file (another uid), e.g. one a second user left in /tmp.
    Path foreign = sshdAuthFile(key);
    created.add(foreign);
    long me = org.sshrpc.internal.TrustedFiles.processUid();
    long other = me == 0 ? 65534 : 0;
    assertTrue(
        StdioIdentityTest.message(() -> StdioIdentity.checkAuthInfoFile(foreign, other))
            .endsWith(": it is owned by uid " + me + ", not by this process's uid " + other));

    Path link = sshdAuthFile("");
    created.add(link);
    Files.delete(link);
    Files.createSymbolicLink(link, good);
    assertTrue(refusal(link).endsWith(": it is not a regular file"), refusal(link));

    Path hard = sshdAuthFile("");
    created.add(hard);
    Files.delete(hard);
    Files.createLink(hard, good);
    assertTrue(refusal(hard).endsWith(": it has 2 links"), refusal(hard));
  }

  private Map<String, String> withAuth(Path f) throws IOException {
    Map<String, String> e = env(null);
    e.put("SSH_USER_AUTH", f.toString());
    return e;
  }

  private String refusal(Path f) throws IOException {
    return assertThrows(IOException.class, () -> trusted(withAuth(f), "alice")).getMessage();
  }

  static String message(org.junit.jupiter.api.function.Executable x) {
    return assertThrows(IOException.class, x).getMessage();
  }

  @Test
  void fallsBackToLogname() throws IOException {
    Map<String, String> e = env(null);
    e.remove("USER");
    assertEquals("alice", trusted(e, "alice").user());
  }

  @Test
  void refusesMissingOrMismatchedUser() throws IOException {
    Map<String, String> e = env(null);
    e.remove("USER");
    e.remove("LOGNAME");
    IOException missing =
        assertThrows(IOException.class, () -> trusted(e, "alice"));
    assertTrue(missing.getMessage().contains("USER nor LOGNAME"), missing.getMessage());
    IOException other =
        assertThrows(IOException.class, () -> trusted(env(null), "mallory"));
    assertEquals(
        "USER is 'alice' but this process runs as 'mallory' (is PermitUserEnvironment on?)",
        other.getMessage());
  }

  @Test
  void refusesBadAuthInfo() throws IOException {
    IOException shortLine =
        assertThrows(
            IOException.class,
            () -> trusted(env("publickey ssh-ed25519\n"), "alice"));
    assertTrue(shortLine.getMessage().endsWith(":1: expected 'publickey TYPE BASE64'"));
    assertThrows(
        IOException.class,
        () -> trusted(env("publickey ssh-ed25519 AAAA%%%\n"), "alice"));
    assertThrows(
        IOException.class,
        () -> trusted(env("publickey ssh-foo AAAAB3Nza\n"), "alice"));
    Map<String, String> gone = env(null);
    gone.put("SSH_USER_AUTH", "/tmp/sshauth.ABCDEFGHIJKLMNO");
    assertThrows(IOException.class, () -> trusted(gone, "alice"));
  }

  @Test
  void refusesOversizedAuthInfo() throws IOException {
    String big = "x".repeat(StdioIdentity.MAX_AUTH_INFO + 1);
    IOException e =
        assertThrows(IOException.class, () -> trusted(env(big), "alice"));
    assertTrue(e.getMessage().contains("larger than 65536 bytes"), e.getMessage());
  }

  @Test
  void ignoresMalformedConnectionWithoutLookingNamesUp() throws IOException {
    for (String bad :
        new String[] {"", "host.example 1 2 3", "1.2.3.4 99999 a b", "abc 22 1.2.3.4 22", "x"}) {
      Map<String, String> e = env(null);
      e.put("SSH_CONNECTION", bad);
      assertNull(trusted(e, "alice").remoteAddress(), bad);
    }
    Map<String, String> v6 = env(null);
    v6.put("SSH_CONNECTION", "::1 40000 ::1 22");
    assertEquals(40000, trusted(v6, "alice").remoteAddress().getPort());
  }
}
