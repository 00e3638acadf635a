package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.testing.Tools;

/**
 * The algorithm policy on a real MINA server: ssh-audit finds nothing to fail or warn about in the
 * defaults, an override is what gets negotiated, and a client offering only CBC or SHA-1 is refused.
 */
@Timeout(120)
class AlgorithmPolicyIT {
  static final List<String> UNKNOWN_TO_OLD_SSH_AUDIT =
      List.of("kex-strict-s-v00@openssh.com", "mlkem768x25519-sha256", "sntrup761x25519-sha512");

  @TempDir Path dir;
  KeyPair alice;
  Path ak;

  @BeforeEach
  void keys() throws Exception {
    alice = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    ak = dir.resolve("authorized_keys");
    Files.writeString(ak, "sshrpc-user=\"alice\" " + PublicKeyEntry.toString(alice.getPublic()) + "\n");
  }

  private TestSshServer server(AlgorithmPolicy p) throws IOException {
    return new TestSshServer(dir, AuthorizedKeysAuthenticator.of(ak), p, PolicySource.fixed(AccessPolicy.ALLOW_ALL));
  }

  @Test
  void sshAuditFindsNoFailureAndNoWarningInTheDefaults() throws Exception {
    String sshAudit = Tools.requireTool("ssh-audit");
    try (TestSshServer server = server(AlgorithmPolicy.defaults())) {
      Process p =
          new ProcessBuilder(sshAudit, "-n", "-t", "20", "-p", Integer.toString(server.port), "127.0.0.1")
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ssh-audit did not finish");
      List<String> fails = out.lines().filter(l -> l.contains("[fail]")).collect(Collectors.toList());
      assertEquals(List.of(), fails, "ssh-audit output:\n" + out);
      // The only warnings allowed are "unknown algorithm" for names newer than the installed
      // ssh-audit (2.5.0, Debian 12, released 2021): the strict-kex marker (Terrapin
      // countermeasure, always sent by MINA >= 2.12, known to ssh-audit >= 3.1) and the
      // post-quantum hybrids under their IETF names (OpenSSH 9.9+). Anything else fails the test.
      List<String> warns =
          out.lines()
              .filter(l -> l.contains("[warn]"))
              .filter(l -> !(l.contains("unknown algorithm") && UNKNOWN_TO_OLD_SSH_AUDIT.stream()
                  .anyMatch(n -> l.startsWith("(kex) " + n + " "))))
              .collect(Collectors.toList());
      assertEquals(List.of(), warns, "ssh-audit output:\n" + out);
      // Proof that it audited our server and saw what we configured.
      assertTrue(out.contains("(kex) curve25519-sha256"), out);
      assertTrue(out.contains("(key) ssh-ed25519"), out);
      assertTrue(out.contains("(enc) aes256-gcm@openssh.com") || out.contains("(enc) chacha20-poly1305"), out);
      assertTrue(out.contains("kex-strict-s-v00@openssh.com"), "strict kex (Terrapin) advertised:\n" + out);
      assertTrue(out.contains("compression: disabled"), out);
      // Exit status (ssh_audit/exitcodes.py): 0 good, 1 connection error, 2 warnings (only the
      // allowed ones, checked above), 3 failures.
      assertTrue(p.exitValue() == 0 || p.exitValue() == 2, "ssh-audit exit " + p.exitValue() + ":\n" + out);
    }
  }

  @Test
  void overrideIsWhatGetsNegotiated() throws Exception {
    AlgorithmPolicy serverPolicy =
        AlgorithmPolicy.builder()
            .kexAlgorithms("curve25519-sha256")
            .ciphers("aes256-ctr")
            .macs("hmac-sha2-512-etm@openssh.com")
            .build();
    try (TestSshServer server = server(serverPolicy);
        TestClient c = new TestClient(server, "alice", alice, AlgorithmPolicy.defaults())) {
      assertEquals("curve25519-sha256", c.session.getNegotiatedKexParameter(KexProposalOption.ALGORITHMS));
      assertEquals("aes256-ctr", c.session.getNegotiatedKexParameter(KexProposalOption.C2SENC));
      assertEquals("aes256-ctr", c.session.getNegotiatedKexParameter(KexProposalOption.S2CENC));
      assertEquals("hmac-sha2-512-etm@openssh.com", c.session.getNegotiatedKexParameter(KexProposalOption.C2SMAC));
      assertEquals("ssh-ed25519", c.session.getNegotiatedKexParameter(KexProposalOption.SERVERKEYS));
      assertTrue(c.open().startsWith("alice "));
    }
  }

  @Test
  void defaultsNegotiatePostQuantumKexBetweenOurOwnPeers() throws Exception {
    try (TestSshServer server = server(AlgorithmPolicy.defaults());
        TestClient c = new TestClient(server, "alice", alice, AlgorithmPolicy.defaults())) {
      assertEquals(AlgorithmPolicy.defaults().kexAlgorithms().get(0),
          c.session.getNegotiatedKexParameter(KexProposalOption.ALGORITHMS));
      assertEquals(AlgorithmPolicy.defaults().ciphers().get(0),
          c.session.getNegotiatedKexParameter(KexProposalOption.C2SENC));
    }
  }

  @Test
  void clientOfferingOnlyCbcOrSha1IsRefused() throws Exception {
    try (TestSshServer server = server(AlgorithmPolicy.defaults())) {
      AlgorithmPolicy cbcOnly = AlgorithmPolicy.builder().ciphers("aes128-cbc,aes256-cbc").build();
      assertThrows(IOException.class, () -> new TestClient(server, "alice", alice, cbcOnly).close());
      AlgorithmPolicy sha1Mac =
          AlgorithmPolicy.builder().ciphers("aes128-ctr").macs("hmac-sha1,hmac-sha1-etm@openssh.com").build();
      assertThrows(IOException.class, () -> new TestClient(server, "alice", alice, sha1Mac).close());
      AlgorithmPolicy sha1Kex =
          AlgorithmPolicy.builder().kexAlgorithms("diffie-hellman-group14-sha1,diffie-hellman-group1-sha1").build();
      assertThrows(IOException.class, () -> new TestClient(server, "alice", alice, sha1Kex).close());
      AlgorithmPolicy sshRsaOnly = AlgorithmPolicy.builder().hostKeyAlgorithms("ssh-rsa,ssh-dss").build();
      assertThrows(IOException.class, () -> new TestClient(server, "alice", alice, sshRsaOnly).close());
      // Control: the same server still serves a modern client.
      try (TestClient ok = new TestClient(server, "alice", alice, AlgorithmPolicy.defaults())) {
        assertTrue(ok.open().startsWith("alice "));
      }
    }
  }
}
