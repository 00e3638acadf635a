package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.server.SshServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlgorithmPolicyTest {
  private static final AlgorithmPolicy D = AlgorithmPolicy.defaults();

  @Test
  void defaultsAreModern() {
    assertEquals("mlkem768x25519-sha256", D.kexAlgorithms().get(0), "PQ hybrid first (BC present)");
    assertTrue(D.kexAlgorithms().contains("sntrup761x25519-sha512"));
    assertTrue(D.kexAlgorithms().contains("curve25519-sha256"));
    assertFalse(D.kexAlgorithms().contains("ecdh-sha2-nistp256"), "ssh-audit fails NIST curves");
    assertFalse(D.kexAlgorithms().contains("sntrup761x25519-sha512@openssh.com"), "ssh-audit 2.5 warns");
    String first = CpuFeatures.hasAes() ? "aes128-gcm@openssh.com" : "chacha20-poly1305@openssh.com";
    assertEquals(first, D.ciphers().get(0));
    assertTrue(D.ciphers().contains("chacha20-poly1305@openssh.com"));
    assertTrue(D.ciphers().contains("aes256-ctr"));
    assertEquals(List.of("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"), D.macs());
    assertEquals("ssh-ed25519", D.hostKeyAlgorithms().get(0));
    assertTrue(D.hostKeyAlgorithms().contains("rsa-sha2-256"));
    assertTrue(D.hostKeyAlgorithms().contains("rsa-sha2-512"));
    assertTrue(D.hostKeyAlgorithms().contains("ssh-ed25519-cert-v01@openssh.com"));
    assertEquals(List.of("none"), D.compression());
    assertEquals(List.of("zlib@openssh.com", "none"),
        AlgorithmPolicy.builder().compression("^zlib@openssh.com").build().compression());
  }

  @Test
  void defaultsHaveNothingWeak() {
    for (AlgorithmPolicy.Kind k : List.of(AlgorithmPolicy.Kind.KEX, AlgorithmPolicy.Kind.CIPHER,
        AlgorithmPolicy.Kind.MAC, AlgorithmPolicy.Kind.SIGNATURE)) {
      for (String n : D.names(k)) {
        assertFalse(n.contains("sha1") || n.endsWith("-cbc") || n.contains("md5") || n.contains("arcfour")
            || n.contains("3des") || n.contains("dss") || n.equals("ssh-rsa") || n.startsWith("ssh-rsa-cert")
            || n.startsWith("diffie-hellman-group1-") || n.equals("none") || n.contains("hmac-sha2-256")
                && !n.contains("etm"),
            k + " " + n);
      }
    }
  }

  @Test
  void replaceAppendRemovePrepend() {
    AlgorithmPolicy p = AlgorithmPolicy.builder().ciphers("aes256-gcm@openssh.com,aes256-ctr").build();
    assertEquals(List.of("aes256-gcm@openssh.com", "aes256-ctr"), p.ciphers());
    assertEquals(D.kexAlgorithms(), p.kexAlgorithms(), "other lists untouched");

    p = AlgorithmPolicy.builder().macs("+hmac-sha2-512").build();
    assertEquals(List.of("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-512"),
        p.macs());
    p = AlgorithmPolicy.builder().macs("^hmac-sha2-512-etm@openssh.com").build();
    assertEquals(List.of("hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com"), p.macs());
    p = AlgorithmPolicy.builder().kexAlgorithms("-mlkem*,sntrup*").build();
    assertEquals(List.of("curve25519-sha256", "curve25519-sha256@libssh.org"), p.kexAlgorithms());
    p = AlgorithmPolicy.builder().kexAlgorithms("+ecdh-sha2-nistp256,sntrup761x25519-sha512@openssh.com").build();
    assertEquals(List.of("mlkem768x25519-sha256", "sntrup761x25519-sha512", "curve25519-sha256",
        "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "sntrup761x25519-sha512@openssh.com"),
        p.kexAlgorithms());
    p = AlgorithmPolicy.builder().hostKeyAlgorithms("-*-cert-v01@openssh.com").build();
    assertTrue(p.hostKeyAlgorithms().stream().noneMatch(n -> n.contains("cert")));
    assertEquals(p, p.newBuilder().build());
    assertEquals(p.hashCode(), p.newBuilder().build().hashCode());
  }

  @Test
  void weakAlgorithmsOnlyByExplicitOverride() {
    AlgorithmPolicy p = AlgorithmPolicy.builder().ciphers("+aes128-cbc").macs("+hmac-sha1").build();
    assertTrue(p.ciphers().contains("aes128-cbc"));
    assertTrue(p.macs().contains("hmac-sha1"));
  }

  @Test
  void unknownNameIsAClearError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AlgorithmPolicy.builder().ciphers("aes128-gmc"));
    assertTrue(e.getMessage().startsWith("unknown cipher \"aes128-gmc\" in Ciphers (known: "), e.getMessage());
    assertTrue(e.getMessage().contains("aes128-gcm@openssh.com"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> AlgorithmPolicy.builder().kexAlgorithms("+kyber"));
    assertTrue(e.getMessage().startsWith("unknown key exchange \"kyber\" in KexAlgorithms"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> AlgorithmPolicy.builder().ciphers("none"));
    assertTrue(e.getMessage().startsWith("unknown cipher \"none\""), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> AlgorithmPolicy.builder().macs("-*"));
    assertTrue(e.getMessage().contains("leaves no MAC"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> AlgorithmPolicy.builder().macs("a,,b"));
    assertTrue(e.getMessage().startsWith("empty name"), e.getMessage());
  }

  @Test
  void loadsOpenSshStyleFile(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("algorithms");
    Files.writeString(f, "# comment\nCiphers aes256-gcm@openssh.com\nKexAlgorithms=-curve*\n\nMACs +hmac-sha2-512\n");
    AlgorithmPolicy p = AlgorithmPolicy.builder().load(f).build();
    assertEquals(List.of("aes256-gcm@openssh.com"), p.ciphers());
    assertTrue(p.kexAlgorithms().stream().noneMatch(n -> n.startsWith("curve")));
    Files.writeString(f, "Ciphers aes256-gcm@openssh.com\nCipher aes128-ctr\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AlgorithmPolicy.builder().load(f));
    assertTrue(e.getMessage().startsWith(f + ":2: expected one of"), e.getMessage());
    Files.writeString(f, "MACs hmac-sha3\n");
    e = assertThrows(IllegalArgumentException.class, () -> AlgorithmPolicy.builder().load(f));
    assertTrue(e.getMessage().startsWith(f + ":1: unknown MAC \"hmac-sha3\""), e.getMessage());
  }

  @Test
  void applyToClientSetsExactlyThePolicy() {
    SshClient client = SshClient.setUpDefaultClient();
    AlgorithmPolicy p = AlgorithmPolicy.builder().macs("hmac-sha2-512-etm@openssh.com").build();
    p.applyTo(client);
    assertEquals(p.kexAlgorithms(), NamedResource.getNameList(client.getKeyExchangeFactories()));
    assertEquals(p.ciphers(), NamedResource.getNameList(client.getCipherFactories()));
    assertEquals(List.of("hmac-sha2-512-etm@openssh.com"), NamedResource.getNameList(client.getMacFactories()));
    assertEquals(p.hostKeyAlgorithms(), NamedResource.getNameList(client.getSignatureFactories()));
    assertEquals(List.of("none"), NamedResource.getNameList(client.getCompressionFactories()));
  }

  @Test
  void applyToServerSetsExactlyThePolicy() {
    SshServer server = SshServer.setUpDefaultServer();
    AlgorithmPolicy p = AlgorithmPolicy.builder().ciphers("aes256-ctr").kexAlgorithms("curve25519-sha256").build();
    p.applyTo(server);
    assertEquals(List.of("aes256-ctr"), NamedResource.getNameList(server.getCipherFactories()));
    assertEquals(List.of("curve25519-sha256"), NamedResource.getNameList(server.getKeyExchangeFactories()));
    assertEquals(p.macs(), NamedResource.getNameList(server.getMacFactories()));
    assertEquals(p.hostKeyAlgorithms(), NamedResource.getNameList(server.getSignatureFactories()));
    assertEquals(List.of("none"), NamedResource.getNameList(server.getCompressionFactories()));
  }
}
