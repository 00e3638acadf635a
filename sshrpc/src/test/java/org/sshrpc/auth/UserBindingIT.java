package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.acl.PolicySource;

/**
 * Over real SSH: a key bound to alice cannot log in as bob, so it can never use bob's permissions;
 * each key gets exactly its own user's permissions.
 */
@Timeout(60)
class UserBindingIT {
  @TempDir Path dir;
  KeyPair alice;
  KeyPair bob;
  TestSshServer server;

  @BeforeEach
  void start() throws Exception {
    alice = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    bob = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
    Path ak = dir.resolve("authorized_keys");
    Files.writeString(
        ak,
        "sshrpc-user=\"alice\" " + PublicKeyEntry.toString(alice.getPublic()) + "\n"
            + "sshrpc-user=\"bob\" " + PublicKeyEntry.toString(bob.getPublic()) + "\n");
    Path policy = dir.resolve("policy");
    Files.writeString(policy, "allow user=bob secret:*\nallow user=alice lists:*\n");
    server = new TestSshServer(dir, AuthorizedKeysAuthenticator.of(ak), AlgorithmPolicy.defaults(),
        PolicySource.watching(policy));
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  @Test
  void aliceKeyClaimingBobIsRefused() {
    assertThrows(SshException.class, () -> new TestClient(server, "bob", alice, AlgorithmPolicy.defaults()));
  }

  @Test
  void eachKeyGetsOnlyItsOwnUsersPermissions() throws IOException {
    try (TestClient c = new TestClient(server, "alice", alice, AlgorithmPolicy.defaults())) {
      assertEquals("alice " + KeyUtils.getFingerPrint(alice.getPublic()) + " ssh-ed25519 ", c.open());
      assertEquals("allow", c.ask("lists", "seq", 2));
      assertEquals("deny", c.ask("secret", "read", 0));
    }
    try (TestClient c = new TestClient(server, "bob", bob, AlgorithmPolicy.defaults())) {
      assertEquals("bob " + KeyUtils.getFingerPrint(bob.getPublic()) + " ecdsa-sha2-nistp256 ", c.open());
      assertEquals("deny", c.ask("lists", "seq", 2));
      assertEquals("allow", c.ask("secret", "read", 0));
    }
  }

  @Test
  void keyOfferedForTheWrongUserThenRightUserOnNewConnection() throws IOException {
    assertThrows(SshException.class, () -> new TestClient(server, "alice", bob, AlgorithmPolicy.defaults()));
    try (TestClient c = new TestClient(server, "bob", bob, AlgorithmPolicy.defaults())) {
      c.open();
      assertEquals("deny", c.ask("lists", "seq", 2));
    }
  }
}
