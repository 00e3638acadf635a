package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.server.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
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
@Timeout(120)
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
  void emptyBindingAndUnboundKeysInARootOwnedFileAreRefused() throws Exception {
    KeyPair carol = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    KeyPair dave = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    Path ak = dir.resolve("authorized_keys");
    // Replace the file (a new inode): the running server re-reads it on the next login.
    Path next = dir.resolve("authorized_keys.new");
    Files.writeString(
        next,
        Files.readString(ak)
            + "sshrpc-user=\"\" " + PublicKeyEntry.toString(carol.getPublic()) + "\n"
            + PublicKeyEntry.toString(dave.getPublic()) + "\n");
    Files.move(next, ak, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    String owner = Files.getOwner(ak).getName();
    assertThrows(SshException.class, () -> new TestClient(server, owner, carol, AlgorithmPolicy.defaults()),
        "an empty sshrpc-user never falls back to the file's owner");
    if (org.sshrpc.internal.TrustedFiles.ownedByRoot(ak)) {
      assertThrows(SshException.class, () -> new TestClient(server, "root", dave, AlgorithmPolicy.defaults()),
          "a root-owned file never maps an unbound key to root");
    } else {
      try (TestClient c = new TestClient(server, owner, dave, AlgorithmPolicy.defaults())) {
        assertEquals(owner + " " + KeyUtils.getFingerPrint(dave.getPublic()) + " ssh-ed25519 ", c.open());
      }
    }
    try (TestClient c = new TestClient(server, "alice", alice, AlgorithmPolicy.defaults())) {
      c.open();
      assertEquals("allow", c.ask("lists", "seq", 2), "the bound lines still work");
    }
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

  /**
   * A key that passes the authenticator but whose signature fails must not lend its identity to a
   * session that then logs in another way (here: a password, enabled only for this test).
   */
  @Test
  void unverifiedKeyDoesNotBecomeTheSessionIdentity() throws Exception {
    server.sshd.setPasswordAuthenticator((user, password, session) -> user.equals("bob") && password.equals("pw"));
    server.sshd.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE, UserAuthPasswordFactory.INSTANCE));
    KeyPair impostor = new KeyPair(bob.getPublic(), KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256).getPrivate());
    SshClient client = SshClient.setUpDefaultClient();
    AlgorithmPolicy.defaults().applyTo(client);
    client.setServerKeyVerifier(new RequiredServerKeyVerifier(server.hostKeys.publicKey()));
    client.start();
    try (ClientSession s = client.connect("bob", "127.0.0.1", server.port).verify(TestClient.TIMEOUT).getSession()) {
      s.addPublicKeyIdentity(impostor);
      s.addPasswordIdentity("pw");
      s.auth().verify(TestClient.TIMEOUT);
      try (ChannelSubsystem ch = s.createSubsystemChannel(TestSshServer.SUBSYSTEM)) {
        ch.open().verify(TestClient.TIMEOUT);
        BufferedReader r = new BufferedReader(new InputStreamReader(ch.getInvertedOut(), StandardCharsets.UTF_8));
        assertEquals("bob null null ", r.readLine(), "password session carries no key identity");
      }
    } finally {
      client.stop();
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
