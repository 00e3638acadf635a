package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.acl.PolicySource;

/**
 * Over real SSH: editing the policy file changes the answers on a connection that stays open; a
 * broken edit keeps the last good policy; authorized_keys edits apply to new logins without restart.
 */
@Timeout(120)
class PolicyReloadIT {
  @TempDir Path dir;

  private void replace(Path f, String text) throws IOException {
    Path tmp = f.resolveSibling(f.getFileName() + ".new");
    Files.writeString(tmp, text);
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void newRulesApplyOnAnExistingConnection() throws Exception {
    KeyPair alice = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    KeyPair carol = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    Path ak = dir.resolve("authorized_keys");
    replace(ak, "sshrpc-user=\"alice\" " + PublicKeyEntry.toString(alice.getPublic()) + "\n");
    Path policy = dir.resolve("policy");
    replace(policy, "allow lists:*\n");
    PolicySource source = PolicySource.watching(policy);
    try (TestSshServer server =
            new TestSshServer(dir, AuthorizedKeysAuthenticator.of(ak), AlgorithmPolicy.defaults(), source);
        TestClient c = new TestClient(server, "alice", alice, AlgorithmPolicy.defaults())) {
      c.open();
      assertEquals("allow", c.ask("lists", "seq", 2));

      replace(policy, "deny user=alice lists:seq/2\nallow lists:*\n");
      assertEquals("deny", c.ask("lists", "seq", 2), "new rule on the same channel");
      assertEquals("allow", c.ask("lists", "reverse", 1));

      replace(policy, "allow lists:seq/2\nthis line is broken\n");
      assertEquals("deny", c.ask("lists", "seq", 2), "broken file: previous policy kept");
      assertTrue(source.lastError().contains(":2: expected allow or deny"), source.lastError());

      replace(policy, "allow lists:seq/2\n");
      assertEquals("allow", c.ask("lists", "seq", 2), "fixed file picked up");

      // authorized_keys: a key added while the server runs logs in without a restart.
      replace(ak, "sshrpc-user=\"alice\" " + PublicKeyEntry.toString(alice.getPublic()) + "\n"
          + "sshrpc-user=\"carol\" " + PublicKeyEntry.toString(carol.getPublic()) + "\n");
      try (TestClient c2 = new TestClient(server, "carol", carol, AlgorithmPolicy.defaults())) {
        assertTrue(c2.open().startsWith("carol "));
      }
      assertEquals("allow", c.ask("lists", "seq", 2), "the first connection is still up");
    }
  }
}
