package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.internal.TrustedFiles;

class AuthorizedKeysAuthenticatorTest {
  static KeyPair ed1;
  static KeyPair ed2;
  static KeyPair ec;
  static KeyPair ec384;
  static KeyPair ec521;
  static KeyPair rsa;
  static KeyPair rsaSmall;
  static KeyPair dsa;
  static KeyPair ca;
  static KeyPair otherCa;

  @TempDir Path dir;

  @BeforeAll
  static void keys() throws Exception {
    ed1 = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    ed2 = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    ec = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
    ec384 = KeyUtils.generateKeyPair("ecdsa-sha2-nistp384", 384);
    ec521 = KeyUtils.generateKeyPair("ecdsa-sha2-nistp521", 521);
    rsa = KeyUtils.generateKeyPair("ssh-rsa", 2048);
    rsaSmall = KeyUtils.generateKeyPair("ssh-rsa", 1024);
    dsa = KeyUtils.generateKeyPair("ssh-dss", 1024);
    ca = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    otherCa = KeyUtils.generateKeyPair("ssh-ed25519", 256);
  }

  static String line(KeyPair kp) {
    return PublicKeyEntry.toString(kp.getPublic());
  }

  private Path write(String name, String... lines) throws IOException {
    Path f = dir.resolve(name);
    Path tmp = dir.resolve(name + ".tmp");
    Files.writeString(tmp, String.join("\n", lines) + "\n");
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return f;
  }

  @Test
  void everyKeyOfTheFileWithItsBinding() throws IOException {
    Path f =
        write(
            "authorized_keys",
            "# comment",
            "sshrpc-user=\"alice\" " + line(ed1) + " alice@laptop",
            "sshrpc-user=\"bob,carol\" " + line(ec),
            "",
            "sshrpc-user=\"erin\" " + line(ec384),
            "sshrpc-user=\"frank\" " + line(ec521),
            "sshrpc-user=\"dave\" " + line(rsa));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(f);
    assertTrue(a.authenticate("erin", ec384.getPublic(), null));
    assertTrue(a.authenticate("frank", ec521.getPublic(), null));
    assertFalse(a.authenticate("frank", ec384.getPublic(), null));
    assertTrue(a.authenticate("alice", ed1.getPublic(), null));
    assertTrue(a.authenticate("bob", ec.getPublic(), null));
    assertTrue(a.authenticate("carol", ec.getPublic(), null));
    assertTrue(a.authenticate("dave", rsa.getPublic(), null), "last key of the file, RSA");
    assertFalse(a.authenticate("bob", ed1.getPublic(), null), "alice's key claiming bob");
    assertFalse(a.authenticate("alice", ec.getPublic(), null));
    assertFalse(a.authenticate("root", ed1.getPublic(), null));
    assertFalse(a.authenticate("alice", ed2.getPublic(), null), "unlisted key");
  }

  @Test
  void sameKeyOnSeveralLines() throws IOException {
    Path f = write("ak", "sshrpc-user=\"alice\" " + line(ed1), "sshrpc-user=\"bob\" " + line(ed1));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(f);
    assertTrue(a.authenticate("alice", ed1.getPublic(), null));
    assertTrue(a.authenticate("bob", ed1.getPublic(), null));
    assertFalse(a.authenticate("carol", ed1.getPublic(), null));
  }

  @Test
  void unboundKeyLogsInOnlyAsDefaultUserOrFileOwnerNeverRoot() throws IOException {
    Path f = write("ak", line(ed1));
    AuthorizedKeysAuthenticator withDefault = AuthorizedKeysAuthenticator.builder(f).defaultUser("svc").build();
    assertTrue(withDefault.authenticate("svc", ed1.getPublic(), null));
    assertFalse(withDefault.authenticate("alice", ed1.getPublic(), null));
    assertThrows(IllegalArgumentException.class, () -> AuthorizedKeysAuthenticator.builder(f).defaultUser("a,b"));

    AuthorizedKeysAuthenticator byOwner = AuthorizedKeysAuthenticator.of(f);
    if (TrustedFiles.ownedByRoot(f)) {
      // A root-owned file lists other people's keys: an unbound key is refused, never root.
      assertFalse(byOwner.authenticate("root", ed1.getPublic(), null));
      assertEquals(
          f + ":1: no sshrpc-user= on the line and the file is owned by root: a root-owned file must"
              + " bind every key to its users explicitly (keys are never mapped to root)",
          byOwner.refusal("root", ed1.getPublic(), null, null));
      // Handed to another user, the file is not trusted by a root server: a chown alone is noticed.
      Files.setOwner(f, f.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
      assertFalse(byOwner.authenticate("nobody", ed1.getPublic(), null));
      assertTrue(
          byOwner.refusal("nobody", ed1.getPublic(), null, null).startsWith("key not in "),
          "untrusted file: no key lines");
      return;
    }
    String owner = Files.getOwner(f).getName();
    assertTrue(byOwner.authenticate(owner, ed1.getPublic(), null));
    assertFalse(byOwner.authenticate(owner + "x", ed1.getPublic(), null));
  }

  @Test
  void emptyOrBlankUserBindingRefusesTheLineInsteadOfFallingBack() throws IOException {
    Path f =
        write(
            "ak",
            "sshrpc-user=\"\" " + line(ed1),
            "sshrpc-user=\" , \" " + line(ed2),
            "sshrpc-user=\"alice\" " + line(ec),
            "no-pty,sshrpc-user " + line(ec384));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.builder(f).defaultUser("svc").build();
    assertFalse(a.authenticate("svc", ed1.getPublic(), null), "not the default user");
    assertEquals(
        f + ":1: line disabled: sshrpc-user=\"\" names no user",
        a.refusal("svc", ed1.getPublic(), null, null));
    assertFalse(a.authenticate("svc", ed2.getPublic(), null));
    assertEquals(
        f + ":2: line disabled: sshrpc-user=\" , \" names no user",
        a.refusal("svc", ed2.getPublic(), null, null));
    assertFalse(a.authenticate("true", ec384.getPublic(), null), "a bare flag is not a user called true");
    assertEquals(
        f + ":4: line disabled: sshrpc-user has no value (expected: sshrpc-user=\"NAME[,NAME...]\")",
        a.refusal("svc", ec384.getPublic(), null, null));
    String owner = Files.getOwner(f).getName();
    AuthorizedKeysAuthenticator byOwner = AuthorizedKeysAuthenticator.of(f);
    assertFalse(byOwner.authenticate(owner, ed1.getPublic(), null), "not the file owner");
    assertFalse(byOwner.authenticate(owner, ed2.getPublic(), null));
    assertTrue(byOwner.authenticate("alice", ec.getPublic(), null), "the other lines still work");
  }

  @Test
  void optionsHarmlessAcceptedRestrictiveUnsupportedDisableTheLine() throws IOException {
    Path f =
        write(
            "ak",
            "restrict,no-pty,no-port-forwarding,sshrpc-user=\"alice\" " + line(ed1),
            "command=\"/bin/date\",sshrpc-user=\"bob\" " + line(ed2),
            "permitopen=\"x:1\",sshrpc-user=\"carol\" " + line(ec),
            "verify-required,sshrpc-user=\"dave\" " + line(rsa));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(f);
    assertTrue(a.authenticate("alice", ed1.getPublic(), null));
    assertFalse(a.authenticate("bob", ed2.getPublic(), null), "forced command cannot be honoured");
    assertFalse(a.authenticate("carol", ec.getPublic(), null));
    assertFalse(a.authenticate("dave", rsa.getPublic(), null), "FIDO user verification not checked here");
  }

  @Test
  void expiryTimeAndFrom() throws IOException {
    Clock clock = Clock.fixed(Instant.parse("2030-06-01T00:00:00Z"), ZoneOffset.UTC);
    Path f =
        write(
            "ak",
            "expiry-time=\"20300101Z\",sshrpc-user=\"alice\" " + line(ed1),
            "expiry-time=\"203101011200Z\",sshrpc-user=\"bob\" " + line(ed2),
            "from=\"10.0.0.*\",sshrpc-user=\"carol\" " + line(ec));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.builder(f).clock(clock).build();
    assertFalse(a.authenticate("alice", ed1.getPublic(), null), "expired");
    assertTrue(a.authenticate("bob", ed2.getPublic(), null));
    assertFalse(a.authenticate("carol", ec.getPublic(), null), "no address matches from=");
  }

  @Test
  void fromPatternsAgainstThePeerAddress() throws Exception {
    Path f =
        write(
            "ak",
            "from=\"127.0.0.1,::1\",sshrpc-user=\"alice\" " + line(ed1),
            "from=\"10.1.*,!10.1.2.3\",sshrpc-user=\"bob\" " + line(ed2),
            "from=\"192.168.0.0/16\",sshrpc-user=\"carol\" " + line(ec));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(f);
    assertNull(a.refusal("alice", ed1.getPublic(), InetAddress.getByName("127.0.0.1"), null));
    assertNull(a.refusal("alice", ed1.getPublic(), InetAddress.getByName("0:0:0:0:0:0:0:1"), null));
    String why = a.refusal("alice", ed1.getPublic(), InetAddress.getByName("127.0.0.2"), null);
    assertTrue(why.endsWith("from=\"127.0.0.1,::1\" does not admit /127.0.0.2"), why);
    assertNull(a.refusal("bob", ed2.getPublic(), InetAddress.getByName("10.1.9.9"), null));
    assertNotNull(a.refusal("bob", ed2.getPublic(), InetAddress.getByName("10.1.2.3"), null), "negated");
    assertNotNull(a.refusal("bob", ed2.getPublic(), InetAddress.getByName("10.2.0.1"), null));
    assertNull(a.refusal("carol", ec.getPublic(), InetAddress.getByName("192.168.44.1"), null));
    assertNotNull(a.refusal("carol", ec.getPublic(), InetAddress.getByName("192.169.0.1"), null));
    why = a.refusal("bob", ed1.getPublic(), InetAddress.getByName("127.0.0.1"), null);
    assertTrue(why.endsWith(f + ":1: key is bound to [alice], not to \"bob\""), why);
  }

  @Test
  void filesWritableByOthersAreNotTrusted() throws IOException {
    Path f = write("ak", "sshrpc-user=\"a\" " + line(ed1));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(f);
    assertTrue(a.authenticate("a", ed1.getPublic(), null));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertFalse(a.authenticate("a", ed1.getPublic(), null), "world-writable authorized_keys admits nobody");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    assertTrue(a.authenticate("a", ed1.getPublic(), null), "chmod alone is noticed");

    Path revoked = write("revoked", "# nothing revoked");
    AuthorizedKeysAuthenticator r = AuthorizedKeysAuthenticator.builder(f).revokedKeys(revoked).build();
    assertTrue(r.authenticate("a", ed1.getPublic(), null));
    Files.setPosixFilePermissions(revoked, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertFalse(r.authenticate("a", ed1.getPublic(), null), "untrusted revocation list: fail closed");
  }

  @Test
  void everyFileUnderADirectoryOthersMayWriteIsNotTrusted() throws Exception {
    Path sub = Files.createDirectory(dir.resolve("etc"));
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path ak = Files.writeString(sub.resolve("ak"), "sshrpc-user=\"a\" " + line(ed1) + "\n");
    Path cas = Files.writeString(sub.resolve("cas"), line(ca) + "\n");
    Path revoked = Files.writeString(sub.resolve("revoked"), "# none\n");
    Path otherAk = write("ak2", "# empty");
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(ak);
    AuthorizedKeysAuthenticator withCa =
        AuthorizedKeysAuthenticator.builder(otherAk).trustedUserCaKeys(cas).build();
    AuthorizedKeysAuthenticator withRevoked =
        AuthorizedKeysAuthenticator.builder(write("ak3", "sshrpc-user=\"a\" " + line(ed1)))
            .revokedKeys(revoked)
            .build();
    Instant now = Instant.now();
    OpenSshCertificate cert =
        cert(ed1, ca, List.of("a"), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS));
    assertTrue(a.authenticate("a", ed1.getPublic(), null));
    assertTrue(withCa.authenticate("a", cert, null));
    assertTrue(withRevoked.authenticate("a", ed1.getPublic(), null));

    // Others may now rename files in etc: each file is replaced (a new inode) and re-checked.
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxrwxrwx"));
    for (Path f : List.of(ak, cas, revoked)) {
      Path copy = Files.copy(f, sub.resolve(f.getFileName() + ".new"));
      Files.move(copy, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    assertFalse(a.authenticate("a", ed1.getPublic(), null), "authorized_keys admits nobody");
    assertFalse(withCa.authenticate("a", cert, null), "CA file trusts no CA");
    assertFalse(withRevoked.authenticate("a", ed1.getPublic(), null), "revoked keys: fail closed");
  }

  @Test
  void userNamesFromThePeerCannotForgeLogLines() throws IOException {
    assertEquals("alice", AuthorizedKeysAuthenticator.printable("alice"));
    assertEquals("a\\x0ainjected\\x0d", AuthorizedKeysAuthenticator.printable("a\ninjected\r"));
    assertEquals("x\\x85y\\u{2028}z\\u{202E}w\\u{200B}v\\xa0é",
        AuthorizedKeysAuthenticator.printable("x\u0085y\u2028z\u202Ew\u200Bv\u00A0é"));
    assertEquals("q\\\"\\\\", AuthorizedKeysAuthenticator.printable("q\"\\"));
    assertEquals(103, AuthorizedKeysAuthenticator.printable("x".repeat(10_000)).length());
    Path f = write("ak", "sshrpc-user=\"alice\" " + line(ed1));
    String why = AuthorizedKeysAuthenticator.of(f).refusal("bob\nFAKE", ed1.getPublic(), null, null);
    assertFalse(why.contains("\n"), why);
    assertTrue(why.endsWith("not to \"bob\\x0aFAKE\""), why);
  }

  @Test
  void weakKeysRefusedEvenWhenListed() throws IOException {
    Path f = write("ak", "sshrpc-user=\"a\" " + line(rsaSmall), "sshrpc-user=\"a\" " + line(dsa));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(f);
    assertFalse(a.authenticate("a", rsaSmall.getPublic(), null));
    assertFalse(a.authenticate("a", dsa.getPublic(), null));
  }

  @Test
  void garbageLineDoesNotLockOthersOut() throws IOException {
    Path f = write("ak", "ssh-ed25519 AAAAnotbase64!!!", "sshrpc-user=\"a\" " + line(ed1), "bogus");
    assertTrue(AuthorizedKeysAuthenticator.of(f).authenticate("a", ed1.getPublic(), null));
  }

  @Test
  void missingFileAdmitsNobody() {
    assertFalse(AuthorizedKeysAuthenticator.of(dir.resolve("none")).authenticate("a", ed1.getPublic(), null));
  }

  @Test
  void reloadsWhenFileChanges() throws IOException {
    Path f = write("ak", "sshrpc-user=\"a\" " + line(ed1));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(f);
    assertTrue(a.authenticate("a", ed1.getPublic(), null));
    assertFalse(a.authenticate("a", ed2.getPublic(), null));
    write("ak", "sshrpc-user=\"a\" " + line(ed2));
    assertFalse(a.authenticate("a", ed1.getPublic(), null), "removed key refused without restart");
    assertTrue(a.authenticate("a", ed2.getPublic(), null), "added key admitted without restart");
  }

  @Test
  void revokedKeysByLineOrFingerprintAndFailClosed() throws IOException {
    Path f = write("ak", "sshrpc-user=\"a\" " + line(ed1), "sshrpc-user=\"a\" " + line(ed2), "sshrpc-user=\"a\" " + line(ec));
    Path revoked = write("revoked", "# revoked", line(ed1), KeyUtils.getFingerPrint(ed2.getPublic()));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.builder(f).revokedKeys(revoked).build();
    assertFalse(a.authenticate("a", ed1.getPublic(), null));
    assertFalse(a.authenticate("a", ed2.getPublic(), null));
    assertTrue(a.authenticate("a", ec.getPublic(), null));

    write("revoked", "this is not a key");
    assertFalse(a.authenticate("a", ec.getPublic(), null), "unparsable revocation list: fail closed");
    Files.delete(revoked);
    assertTrue(a.authenticate("a", ec.getPublic(), null), "no file: nothing revoked");
    Files.createDirectory(revoked);
    assertFalse(a.authenticate("a", ec.getPublic(), null), "unreadable revocation list: fail closed");
  }

  // ---- certificates ----

  private OpenSshCertificate cert(KeyPair user, KeyPair signer, List<String> principals, Instant from,
      Instant to) throws Exception {
    return OpenSshCertificateBuilder.userCertificate()
        .publicKey(user.getPublic())
        .id("test-cert")
        .serial(1)
        .principals(principals)
        .validAfter(from)
        .validBefore(to)
        .sign(signer);
  }

  private AuthorizedKeysAuthenticator withCa(Path revoked) throws IOException {
    Path ak = write("ak");
    Path cas = write("cas", "# trusted", line(ca));
    AuthorizedKeysAuthenticator.Builder b = AuthorizedKeysAuthenticator.builder(ak).trustedUserCaKeys(cas);
    if (revoked != null) {
      b.revokedKeys(revoked);
    }
    return b.build();
  }

  @Test
  void certificateFromTrustedCaWithPrincipal() throws Exception {
    Instant now = Instant.now();
    OpenSshCertificate c = cert(ed1, ca, List.of("alice", "ops"), now.minus(1, ChronoUnit.HOURS),
        now.plus(1, ChronoUnit.HOURS));
    AuthorizedKeysAuthenticator a = withCa(null);
    assertTrue(a.authenticate("alice", c, null));
    assertTrue(a.authenticate("ops", c, null));
    assertFalse(a.authenticate("bob", c, null), "principal not listed");
    assertFalse(a.authenticate("alice", ed1.getPublic(), null), "the bare key is not authorized");
  }

  @Test
  void certificateRefusedWhenUntrustedExpiredNotYetValidOrRevoked() throws Exception {
    Instant now = Instant.now();
    Instant hourAgo = now.minus(1, ChronoUnit.HOURS);
    Instant inAnHour = now.plus(1, ChronoUnit.HOURS);
    List<String> alice = List.of("alice");
    AuthorizedKeysAuthenticator a = withCa(null);
    assertFalse(a.authenticate("alice", cert(ed1, otherCa, alice, hourAgo, inAnHour), null), "untrusted CA");
    assertFalse(a.authenticate("alice", cert(ed1, ca, alice, now.minus(2, ChronoUnit.HOURS), hourAgo), null),
        "expired");
    assertFalse(a.authenticate("alice", cert(ed1, ca, alice, inAnHour, now.plus(2, ChronoUnit.HOURS)), null),
        "not yet valid");
    assertFalse(a.authenticate("alice", cert(ed1, ca, List.of(), hourAgo, inAnHour), null),
        "no principals never means any user");

    Path revoked = write("revoked", KeyUtils.getFingerPrint(ed1.getPublic()));
    AuthorizedKeysAuthenticator r = withCa(revoked);
    assertFalse(r.authenticate("alice", cert(ed1, ca, alice, hourAgo, inAnHour), null), "certified key revoked");
    assertTrue(r.authenticate("alice", cert(ed2, ca, alice, hourAgo, inAnHour), null));
    write("revoked", line(ca));
    assertFalse(r.authenticate("alice", cert(ed2, ca, alice, hourAgo, inAnHour), null), "CA revoked");
  }

  @Test
  void severalCaAndRevokedFiles() throws Exception {
    Instant now = Instant.now();
    Instant from = now.minus(1, ChronoUnit.HOURS);
    Instant to = now.plus(1, ChronoUnit.HOURS);
    Path ak = write("ak");
    Path cas1 = write("cas1", line(ca));
    Path cas2 = write("cas2", line(otherCa));
    Path rev1 = write("rev1", KeyUtils.getFingerPrint(ed1.getPublic()));
    Path rev2 = write("rev2", "# nothing yet");
    AuthorizedKeysAuthenticator a =
        AuthorizedKeysAuthenticator.builder(ak)
            .trustedUserCaKeys(cas1)
            .trustedUserCaKeys(cas2)
            .revokedKeys(rev1)
            .revokedKeys(rev2)
            .build();
    assertTrue(a.authenticate("alice", cert(ed2, ca, List.of("alice"), from, to), null), "first CA file");
    assertTrue(a.authenticate("alice", cert(ec, otherCa, List.of("alice"), from, to), null), "second CA file");
    assertFalse(a.authenticate("alice", cert(ed1, ca, List.of("alice"), from, to), null), "revoked in the first");
    write("rev2", line(ec));
    assertFalse(a.authenticate("alice", cert(ec, otherCa, List.of("alice"), from, to), null), "revoked in the second");
    write("rev2", "garbage");
    assertFalse(a.authenticate("alice", cert(ed2, ca, List.of("alice"), from, to), null), "any broken file: fail closed");
  }

  @Test
  void optionsOnTrustedCaLinesStillApply() throws Exception {
    Instant now = Instant.now();
    Path ak = write("ak");
    Path cas = write("cas", "expiry-time=\"20200101Z\" " + line(ca), "from=\"127.0.0.1\" " + line(otherCa));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.builder(ak).trustedUserCaKeys(cas).build();
    OpenSshCertificate c = cert(ed1, ca, List.of("alice"), now.minusSeconds(60), now.plusSeconds(60));
    assertTrue(a.refusal("alice", c, InetAddress.getByName("127.0.0.1"), null).contains("key expired"));
    OpenSshCertificate d = cert(ed1, otherCa, List.of("alice"), now.minusSeconds(60), now.plusSeconds(60));
    assertNull(a.refusal("alice", d, InetAddress.getByName("127.0.0.1"), null));
    assertTrue(a.refusal("alice", d, InetAddress.getByName("127.0.0.2"), null).contains("does not admit"));
  }

  @Test
  void certificateCriticalOptions() throws Exception {
    Instant now = Instant.now();
    AuthorizedKeysAuthenticator a = withCa(null);
    OpenSshCertificate forced = OpenSshCertificateBuilder.userCertificate().publicKey(ed1.getPublic())
        .id("forced").principals(List.of("alice")).validAfter(now.minusSeconds(60)).validBefore(now.plusSeconds(60))
        .criticalOption("force-command", "/bin/true").sign(ca);
    assertFalse(a.authenticate("alice", forced, null), "unknown/unsupported critical option");
    OpenSshCertificate src = OpenSshCertificateBuilder.userCertificate().publicKey(ed1.getPublic())
        .id("src").principals(List.of("alice")).validAfter(now.minusSeconds(60)).validBefore(now.plusSeconds(60))
        .criticalOption("source-address", "10.0.0.0/8").sign(ca);
    assertFalse(a.authenticate("alice", src, null), "source-address without a matching peer address");
  }

  @Test
  void certAuthorityLineInAuthorizedKeys() throws Exception {
    Instant now = Instant.now();
    Path ak = write("ak", "cert-authority,principals=\"ops\",sshrpc-user=\"alice\" " + line(ca),
        "cert-authority,sshrpc-user=\"bob,carol\" " + line(otherCa));
    AuthorizedKeysAuthenticator a = AuthorizedKeysAuthenticator.of(ak);
    OpenSshCertificate c = cert(ed1, ca, List.of("ops"), now.minusSeconds(60), now.plusSeconds(60));
    assertTrue(a.authenticate("alice", c, null), "principals= is matched against the certificate");
    assertFalse(a.authenticate("anyname", c, null), "the line binds only alice");
    OpenSshCertificate d = cert(ed1, ca, List.of("alice"), now.minusSeconds(60), now.plusSeconds(60));
    assertFalse(a.authenticate("alice", d, null), "certificate lacks principal ops");
    OpenSshCertificate e = cert(ed2, otherCa, List.of("bob"), now.minusSeconds(60), now.plusSeconds(60));
    assertTrue(a.authenticate("bob", e, null), "no principals=: the user name must be a principal");
    assertFalse(a.authenticate("carol", e, null), "bound, but not a principal of the certificate");
    assertFalse(a.authenticate("x", ca.getPublic(), null), "a CA line does not admit the CA key itself");
  }
}
