package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.testing.Tools;

/**
 * OpenSSH user certificates made by the real {@code ssh-keygen -s}, presented by the real {@code
 * ssh} client to our server with a trusted-CA file and a revoked-keys file.
 */
@Timeout(180)
class CertificateIT {
  @TempDir Path dir;
  Path ca;
  Path user;
  Path cas;
  Path revoked;
  String keygen;

  @BeforeEach
  void setUp() throws Exception {
    keygen = Tools.requireTool("ssh-keygen");
    Tools.requireTool("ssh");
    ca = Proc.keygen(dir.resolve("ca"), "ed25519", 256);
    user = Proc.keygen(dir.resolve("user"), "ed25519", 256);
    cas = dir.resolve("trusted_user_ca_keys");
    Files.copy(dir.resolve("ca.pub"), cas);
    revoked = dir.resolve("revoked_keys");
  }

  /** Signs user.pub; returns the certificate path. */
  private Path sign(String name, String principals, String validity, String... options) throws Exception {
    Path pub = dir.resolve(name + ".pub");
    Files.copy(dir.resolve("user.pub"), pub);
    List<String> cmd = new ArrayList<>(List.of(keygen, "-q", "-s", ca.toString(), "-I", name, "-z", "42"));
    if (principals != null) {
      cmd.addAll(List.of("-n", principals));
    }
    cmd.addAll(List.of("-V", validity));
    for (String o : options) {
      cmd.addAll(List.of("-O", o));
    }
    cmd.add(pub.toString());
    Proc r = Proc.run(null, cmd.toArray(new String[0]));
    assertEquals(0, r.exit, r.err);
    return dir.resolve(name + "-cert.pub");
  }

  private TestSshServer server() throws Exception {
    Path ak = dir.resolve("authorized_keys");
    Files.writeString(ak, "");
    AuthorizedKeysAuthenticator auth =
        AuthorizedKeysAuthenticator.builder(ak).trustedUserCaKeys(cas).revokedKeys(revoked).build();
    return new TestSshServer(dir, auth, AlgorithmPolicy.defaults(),
        PolicySource.fixed(AccessPolicy.parse("allow user=alice lists:*\n")));
  }

  private Proc login(TestSshServer server, String as, Path cert) throws Exception {
    return Proc.ssh(server, dir, as, user, "lists seq 2\n", "-o", "CertificateFile=" + cert);
  }

  private static void refused(Proc p) {
    assertNotEquals(0, p.exit, p.out);
    assertTrue(p.err.contains("Permission denied (publickey)"), p.err);
    assertEquals("", p.out);
  }

  @Test
  void validCertificateLogsInWithItsPrincipals() throws Exception {
    Path cert = sign("good", "alice,ops", "-5m:+1h");
    try (TestSshServer server = server()) {
      Proc p = login(server, "alice", cert);
      assertEquals(0, p.exit, p.err);
      List<String> lines = p.out.lines().toList();
      // identity line: user, certified key's fingerprint, cert key type, principals
      String fp = Proc.run(null, keygen, "-l", "-f", dir.resolve("user.pub").toString()).out.split(" ")[1];
      assertEquals("alice " + fp + " ssh-ed25519-cert-v01@openssh.com alice,ops", lines.get(0));
      assertEquals("allow", lines.get(1));

      Proc ops = login(server, "ops", cert);
      assertEquals(0, ops.exit, ops.err);
      assertTrue(ops.out.endsWith("deny\n"), "ops has no policy rule: " + ops.out);
    }
  }

  @Test
  void wrongPrincipalRefused() throws Exception {
    Path cert = sign("bobs", "bob", "-5m:+1h");
    try (TestSshServer server = server()) {
      refused(login(server, "alice", cert));
    }
  }

  @Test
  void certificateWithoutPrincipalsRefused() throws Exception {
    Path cert = sign("nobody", null, "-5m:+1h");
    try (TestSshServer server = server()) {
      refused(login(server, "alice", cert));
    }
  }

  @Test
  void expiredAndNotYetValidRefused() throws Exception {
    Path expired = sign("expired", "alice", "20200101:20200102");
    Path future = sign("future", "alice", "+1d:+2d");
    try (TestSshServer server = server()) {
      refused(login(server, "alice", expired));
      refused(login(server, "alice", future));
    }
  }

  @Test
  void criticalOptions() throws Exception {
    Path here = sign("here", "alice", "-5m:+1h", "source-address=127.0.0.1/32,::1");
    Path elsewhere = sign("elsewhere", "alice", "-5m:+1h", "source-address=10.0.0.0/8");
    Path forced = sign("forced", "alice", "-5m:+1h", "force-command=/bin/true");
    try (TestSshServer server = server()) {
      assertEquals(0, login(server, "alice", here).exit);
      refused(login(server, "alice", elsewhere));
      refused(login(server, "alice", forced));
    }
  }

  @Test
  void untrustedCaRefused() throws Exception {
    Path cert = sign("good", "alice", "-5m:+1h");
    Files.writeString(cas, "# no CA trusted\n");
    try (TestSshServer server = server()) {
      refused(login(server, "alice", cert));
    }
  }

  @Test
  void revokedKeyOrCaRefusedWithoutRestart() throws Exception {
    Path cert = sign("good", "alice", "-5m:+1h");
    try (TestSshServer server = server()) {
      assertEquals(0, login(server, "alice", cert).exit, "no revoked-keys file yet: nothing revoked");
      Files.copy(dir.resolve("user.pub"), revoked);
      refused(login(server, "alice", cert));
      String caFp = Proc.run(null, keygen, "-l", "-f", dir.resolve("ca.pub").toString()).out.split(" ")[1];
      Files.writeString(revoked, "# the CA itself\n" + caFp + "\n");
      refused(login(server, "alice", cert));
      Files.writeString(revoked, "# nothing\n");
      assertEquals(0, login(server, "alice", cert).exit);
    }
  }
}
