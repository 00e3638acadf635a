package org.sshrpc.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessPolicyTest {
  static final String ALICE_KEY = "SHA256:2hYx0X5w3y9mHk0v9a1c5K0P1u1oG7Pp0cVt5y8mQJ8";
  static final String OTHER_KEY = "SHA256:AAAAx0X5w3y9mHk0v9a1c5K0P1u1oG7Pp0cVt5y8mQJ8";

  @Test
  void allowAllAllowsEverythingDenyAllNothing() {
    assertTrue(AccessPolicy.ALLOW_ALL.allows("anyone", null, "lists", "seq", 2));
    assertTrue(AccessPolicy.ALLOW_ALL.allows("x", "SHA256:x", "os", "cmd", 1));
    assertFalse(AccessPolicy.DENY_ALL.allows("x", null, "lists", "seq", 2));
  }

  @Test
  void noMatchingRuleDenies() {
    AccessPolicy p = AccessPolicy.parse("allow lists:seq/2\n");
    assertTrue(p.allows("bob", null, "lists", "seq", 2));
    assertFalse(p.allows("bob", null, "lists", "seq", 3));
    assertFalse(p.allows("bob", null, "lists", "reverse", 1));
    assertFalse(AccessPolicy.parse("# only comments\n\n").allows("bob", null, "lists", "seq", 2));
  }

  @Test
  void firstMatchWinsInFileOrder() {
    AccessPolicy p = AccessPolicy.parse("deny lists:seq/3\nallow lists:*\n");
    assertFalse(p.allows("u", null, "lists", "seq", 3));
    assertTrue(p.allows("u", null, "lists", "seq", 2));
    AccessPolicy q = AccessPolicy.parse("allow lists:*\ndeny lists:seq/3\n");
    assertTrue(q.allows("u", null, "lists", "seq", 3), "the earlier allow decides");
    assertEquals("<string>:1: allow lists:*", q.explain("u", null, "lists", "seq", 3));
    assertNull(q.explain("u", null, "os", "cmd", 1));
  }

  @Test
  void wildcards() {
    AccessPolicy p =
        AccessPolicy.parse(
            "allow lists:seq/* my_app:get_*/1 'Elixir.Foo':bar/0 erlang:node\n");
    assertTrue(p.allows("u", null, "lists", "seq", 0));
    assertTrue(p.allows("u", null, "lists", "seq", 3));
    assertFalse(p.allows("u", null, "lists", "seq_x", 2));
    assertTrue(p.allows("u", null, "my_app", "get_user", 1));
    assertFalse(p.allows("u", null, "my_app", "get_user", 2));
    assertFalse(p.allows("u", null, "my_app", "set_user", 1));
    assertTrue(p.allows("u", null, "Elixir.Foo", "bar", 0));
    assertFalse(p.allows("u", null, "ElixirXFoo", "bar", 0), "dot in a quoted name is literal");
    assertTrue(p.allows("u", null, "erlang", "node", 0));
    assertTrue(p.allows("u", null, "erlang", "node", 1));
    AccessPolicy star = AccessPolicy.parse("allow *:*/*");
    assertTrue(star.allows("u", null, "a", "b", 7));
    assertTrue(AccessPolicy.parse("allow lists:*").allows("u", null, "lists", "max", 1));
    assertFalse(AccessPolicy.parse("allow lists:*").allows("u", null, "listsx", "max", 1));
  }

  @Test
  void scopedPerUserAndPerKey() {
    AccessPolicy p =
        AccessPolicy.parse(
            "allow user=alice,carol lists:*\n"
                + "allow key=" + ALICE_KEY + " sshrpc:ping/0\n"
                + "allow user=bob key=" + OTHER_KEY + " os:*\n");
    assertTrue(p.allows("alice", null, "lists", "seq", 2));
    assertTrue(p.allows("carol", OTHER_KEY, "lists", "seq", 2));
    assertFalse(p.allows("bob", ALICE_KEY, "lists", "seq", 2));
    assertTrue(p.allows("bob", ALICE_KEY, "sshrpc", "ping", 0));
    assertFalse(p.allows("alice", OTHER_KEY, "sshrpc", "ping", 0));
    assertFalse(p.allows("alice", null, "sshrpc", "ping", 0), "no key never matches key=");
    assertTrue(p.allows("bob", OTHER_KEY, "os", "cmd", 1));
    assertFalse(p.allows("bob", ALICE_KEY, "os", "cmd", 1), "user= and key= must both match");
    assertFalse(p.allows("alice", OTHER_KEY, "os", "cmd", 1));
  }

  @Test
  void commentsAndBlankLines() {
    AccessPolicy p = AccessPolicy.parse("# head\n\n  allow lists:seq/2   # trailing\r\n");
    assertEquals(1, p.size());
    assertTrue(p.allows("u", null, "lists", "seq", 2));
  }

  @Test
  void syntaxErrorsNameTheLine() {
    assertError("allow lists:seq/2\npermit *\n", "<string>:2: expected allow or deny, found \"permit\"");
    assertError("\n\nallow lists:seq/x\n", "<string>:3: bad arity \"x\" in \"lists:seq/x\" (expected: 0..255 or *)");
    assertError("allow lists:seq/256\n", "<string>:1: bad arity \"256\"");
    assertError("allow\n", "<string>:1: missing Module:Function/Arity pattern after \"allow\"");
    assertError("allow user=alice\n", "<string>:1: missing Module:Function/Arity pattern");
    assertError("allow lists\n", "<string>:1: bad pattern \"lists\" (expected: Module:Function/Arity");
    assertError("allow a:b/1/2\n", "<string>:1: bad pattern \"a:b/1/2\"");
    assertError("allow key=abc *\n", "<string>:1: key fingerprint must be in OpenSSH SHA256: form");
    assertError("allow user=a,,b *\n", "<string>:1: empty user name");
    assertError("allow lists:* user=a\n", "<string>:1: user= must come once, before the patterns");
    assertError("allow 'abc:x/1\n", "<string>:1: unterminated quote");
    assertError("allow li-sts:x/1\n", "<string>:1: bad name \"li-sts\"");
  }

  @Test
  void parseFileErrorNamesFileAndLine(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("policy.conf");
    Files.writeString(f, "allow *\ndeny lists:seq/q\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccessPolicy.parse(f));
    assertTrue(e.getMessage().startsWith(f + ":2: bad arity"), e.getMessage());
    Files.writeString(f, "deny lists:seq/3\nallow *\n");
    AccessPolicy p = AccessPolicy.parse(f);
    assertEquals(f + ":1: deny lists:seq/3", p.explain("u", null, "lists", "seq", 3));
  }

  private static void assertError(String text, String expectedPrefix) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AccessPolicy.parse(text));
    assertTrue(e.getMessage().startsWith(expectedPrefix), "message was: " + e.getMessage());
  }
}
