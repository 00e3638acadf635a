package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.testing.Tools;

/**
 * The real OpenSSH tools against our keys and server: ssh-keygen reads the generated host key; the
 * ssh client logs in with ed25519, ECDSA and RSA (rsa-sha2-256 and -512) keys under the default
 * algorithm policy with strict kex, is refused for an SHA-1 ssh-rsa signature, and for a user name
 * its key is not bound to.
 */
@Timeout(300)
class OpenSshInteropIT {
  @TempDir Path dir;

  @Test
  void sshKeygenReadsTheHostKeyAndAgreesOnTheFingerprint() throws Exception {
    String keygen = Tools.requireTool("ssh-keygen");
    HostKeys hk = HostKeys.loadOrGenerate(dir.resolve("host_ed25519"));
    Proc pub = Proc.run(null, keygen, "-y", "-f", hk.file().toString());
    assertEquals(0, pub.exit, pub.err);
    assertEquals(hk.publicKeyLine().split(" ")[1], pub.out.trim().split(" ")[1]);
    Proc fp = Proc.run(null, keygen, "-l", "-f", hk.file().toString());
    assertEquals(0, fp.exit, fp.err);
    assertTrue(fp.out.contains(" " + hk.fingerprint() + " "), fp.out + " vs " + hk.fingerprint());
  }

  @Test
  void hostKeyWrittenBySshKeygenIsLoaded() throws Exception {
    Path f = Proc.keygen(dir.resolve("k"), "ed25519", 256);
    HostKeys hk = HostKeys.loadOrGenerate(f);
    assertTrue(Files.readString(dir.resolve("k.pub")).contains(hk.publicKeyLine().split(" ")[1]));
  }

  @Test
  void opensshClientLogsInWithEveryKeyTypeAndBinding() throws Exception {
    Tools.requireTool("ssh");
    Path ed = Proc.keygen(dir.resolve("ed"), "ed25519", 256);
    Path ec = Proc.keygen(dir.resolve("ec"), "ecdsa", 384);
    Path rsa = Proc.keygen(dir.resolve("rsa"), "rsa", 3072);
    Path ak = dir.resolve("authorized_keys");
    Files.writeString(ak,
        "sshrpc-user=\"alice\" " + Files.readString(dir.resolve("ed.pub"))
            + "sshrpc-user=\"bob\" " + Files.readString(dir.resolve("ec.pub"))
            + "no-pty,sshrpc-user=\"carol\" " + Files.readString(dir.resolve("rsa.pub")));
    try (TestSshServer server = new TestSshServer(dir, AuthorizedKeysAuthenticator.of(ak),
        AlgorithmPolicy.defaults(), PolicySource.fixed(AccessPolicy.parse("allow user=alice lists:*\n")))) {
      Proc a = Proc.ssh(server, dir, "alice", ed, "lists seq 2\nos cmd 1\n", "-v");
      assertEquals(0, a.exit, a.err);
      List<String> lines = a.out.lines().toList();
      assertTrue(lines.get(0).startsWith("alice SHA256:"), a.out);
      assertEquals(List.of("allow", "deny"), lines.subList(1, 3));
      // Debian 12's OpenSSH 9.2 knows the IETF name of the sntrup761 hybrid: post-quantum kex.
      assertTrue(a.err.contains("kex: algorithm: sntrup761x25519-sha512")
          || a.err.contains("kex: algorithm: mlkem768x25519-sha256"), a.err);

      Proc b = Proc.ssh(server, dir, "bob", ec, "lists seq 2\n");
      assertEquals(0, b.exit, b.err);
      assertTrue(b.out.startsWith("bob SHA256:") && b.out.contains("ecdsa-sha2-nistp384"), b.out);
      assertTrue(b.out.endsWith("deny\n"), b.out);

      for (String alg : List.of("rsa-sha2-512", "rsa-sha2-256")) {
        Proc c = Proc.ssh(server, dir, "carol", rsa, "", "-o", "PubkeyAcceptedAlgorithms=" + alg, "-v");
        assertEquals(0, c.exit, alg + ": " + c.err);
        assertTrue(c.out.startsWith("carol SHA256:"), c.out);
        assertTrue(c.err.contains("Server accepts key: " + rsa) && c.err.contains(alg), c.err);
      }
      Proc sha1 = Proc.ssh(server, dir, "carol", rsa, "", "-o", "PubkeyAcceptedAlgorithms=ssh-rsa");
      assertNotEquals(0, sha1.exit, "SHA-1 RSA signatures are refused");
      assertTrue(sha1.err.contains("Permission denied"), sha1.err);

      Proc wrongUser = Proc.ssh(server, dir, "bob", ed, "");
      assertNotEquals(0, wrongUser.exit);
      assertTrue(wrongUser.err.contains("Permission denied (publickey)"), wrongUser.err);
      assertEquals("", wrongUser.out);
    }
  }

  @Test
  void strictKexIsNegotiatedWithOpenSsh() throws Exception {
    Tools.requireTool("ssh");
    Path ed = Proc.keygen(dir.resolve("ed"), "ed25519", 256);
    Path ak = dir.resolve("authorized_keys");
    Files.writeString(ak, "sshrpc-user=\"alice\" " + Files.readString(dir.resolve("ed.pub")));
    try (TestSshServer server = new TestSshServer(dir, AuthorizedKeysAuthenticator.of(ak),
        AlgorithmPolicy.defaults(), PolicySource.fixed(AccessPolicy.ALLOW_ALL))) {
      Proc a = Proc.ssh(server, dir, "alice", ed, "", "-vvv");
      assertEquals(0, a.exit, a.err);
      assertTrue(a.err.contains("kex-strict-s-v00@openssh.com"), "server offers strict kex:\n" + a.err);
      // OpenSSH resets sequence numbers after NEWKEYS only when strict kex was agreed by both.
      assertTrue(a.err.contains("resetting send seqnr") && a.err.contains("resetting read seqnr"),
          "strict kex in effect:\n" + a.err);
    }
  }
}
