package org.sshrpc.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.sshrpc.acl.AccessPolicy.Verb;

/** The process verbs of the policy grammar (docs/policy.md, "Processes"). */
class AccessPolicyProcessTest {
  private static final EnumSet<Verb> OWN_VERBS =
      EnumSet.of(Verb.MAILBOX, Verb.SEND, Verb.REGISTER, Verb.WHEREIS, Verb.MONITOR, Verb.EXIT);

  @Test
  void allowAllCoversOwnProcessesButNothingAcrossUsersAndNoPublicNames() {
    AccessPolicy p = AccessPolicy.ALLOW_ALL;
    for (Verb v : OWN_VERBS) {
      assertTrue(p.allowsOwn("alice", null, v), v.word());
    }
    assertTrue(p.allowsSpawn("alice", null, "sshrpc_counter", "start", 1));
    assertFalse(p.allowsPeer("alice", null, Verb.SEND, "bob"));
    assertFalse(p.allowsPeer("alice", null, Verb.MONITOR, "bob"));
    assertFalse(p.allowsPeer("alice", null, Verb.RECEIVE, "bob"));
    assertFalse(p.isPublicName("log_sink"));
    assertFalse(p.allowsPublicName("alice", null, Verb.REGISTER, "log_sink"));
    for (Verb v : Verb.values()) {
      assertFalse(AccessPolicy.DENY_ALL.allowsOwn("alice", null, v), v.word());
    }
    assertFalse(AccessPolicy.DENY_ALL.allowsSpawn("alice", null, "sshrpc_counter", "start", 1));
  }

  @Test
  void aUserAllowedOnlyPingMayDoNothingWithProcesses() {
    AccessPolicy p = AccessPolicy.parse("allow user=mallory sshrpc:ping/0\nallow user=alice *\n");
    for (Verb v : Verb.values()) {
      assertFalse(p.allowsOwn("mallory", null, v), v.word());
      assertFalse(p.allowsPeer("mallory", null, v, "alice"), v.word());
    }
    assertFalse(p.allowsSpawn("mallory", null, "sshrpc_counter", "start", 1));
    for (Verb v : OWN_VERBS) {
      assertTrue(p.allowsOwn("alice", null, v), "alice's '*' covers her own " + v.word());
    }
  }

  @Test
  void everyAllWildcardPatternCoversOwnProcessesOtherPatternsDoNot() {
    for (String all : new String[] {"*", "*:*", "*:*/*"}) {
      AccessPolicy p = AccessPolicy.parse("allow " + all + "\n");
      assertTrue(p.allowsOwn("u", null, Verb.SEND), all);
    }
    AccessPolicy p = AccessPolicy.parse("allow *:get_*/* lists:*\n");
    assertFalse(p.allowsOwn("u", null, Verb.SEND));
    assertFalse(p.allowsOwn("u", null, Verb.MAILBOX));
    // deny * before an allow denies own process operations too, as it denies calls
    AccessPolicy q = AccessPolicy.parse("deny user=mallory *\nallow *\n");
    assertFalse(q.allowsOwn("mallory", null, Verb.SEND));
    assertTrue(q.allowsOwn("alice", null, Verb.SEND));
  }

  @Test
  void verbRulesDecideTheirVerbsInFileOrderAndNeverCalls() {
    AccessPolicy p = AccessPolicy.parse(
        "deny user=bob exit\n"
            + "allow user=bob mailbox send register whereis monitor exit\n"
            + "allow sshrpc:ping/0\n");
    assertTrue(p.allowsOwn("bob", null, Verb.SEND));
    assertTrue(p.allowsOwn("bob", null, Verb.MAILBOX));
    assertFalse(p.allowsOwn("bob", null, Verb.EXIT), "the earlier deny decides");
    assertFalse(p.allowsOwn("carol", null, Verb.SEND));
    assertFalse(p.allows("bob", null, "send", "x", 0));
    assertTrue(p.allows("bob", null, "sshrpc", "ping", 0));
    assertFalse(p.allowsPeer("bob", null, Verb.SEND, "alice"), "a rule without to= is about own processes only");
  }

  @Test
  void spawnIsDecidedByCallRulesAsBeforeOrBySpawnRules() {
    AccessPolicy p = AccessPolicy.parse(
        "deny user=mallory spawn\n"
            + "allow user=bob spawn sshrpc_counter:start/1\n"
            + "allow counter:start/1\n"
            + "allow *\n");
    // today's files: a call rule for M:F/A allows spawning it
    assertTrue(p.allowsSpawn("alice", null, "counter", "start", 1));
    // a spawn rule without patterns decides every spawn, and not calls
    assertFalse(p.allowsSpawn("mallory", null, "counter", "start", 1));
    assertTrue(p.allows("mallory", null, "counter", "start", 1));
    // a spawn rule with patterns decides those only
    assertTrue(p.allowsSpawn("bob", null, "sshrpc_counter", "start", 1));
    AccessPolicy q = AccessPolicy.parse("allow user=bob spawn sshrpc_counter:start/1\n");
    assertTrue(q.allowsSpawn("bob", null, "sshrpc_counter", "start", 1));
    assertFalse(q.allowsSpawn("bob", null, "sshrpc_echo_proc", "start", 0));
    assertFalse(q.allows("bob", null, "sshrpc_counter", "start", 1), "a spawn rule does not allow the call");
    assertFalse(q.allowsOwn("bob", null, Verb.SPAWN), "spawn is decided by allowsSpawn");
  }

  @Test
  void toRulesOpenOtherUsersProcessesAndFromRulesOpenMailboxes() {
    AccessPolicy p = AccessPolicy.parse(
        "allow user=bob send monitor to=alice\n"
            + "allow user=ops monitor to=*\n"
            + "allow user=alice receive from=bob,carol\n");
    assertTrue(p.allowsPeer("bob", null, Verb.SEND, "alice"));
    assertTrue(p.allowsPeer("bob", null, Verb.MONITOR, "alice"));
    assertFalse(p.allowsPeer("bob", null, Verb.SEND, "carol"));
    assertFalse(p.allowsOwn("bob", null, Verb.SEND), "a to= rule is not about own processes");
    assertTrue(p.allowsPeer("ops", null, Verb.MONITOR, "anyone"));
    assertFalse(p.allowsPeer("ops", null, Verb.SEND, "anyone"));
    assertTrue(p.allowsPeer("alice", null, Verb.RECEIVE, "bob"));
    assertTrue(p.allowsPeer("alice", null, Verb.RECEIVE, "carol"));
    assertFalse(p.allowsPeer("alice", null, Verb.RECEIVE, "mallory"));
    assertFalse(p.allowsPeer("bob", null, Verb.RECEIVE, "alice"));
  }

  @Test
  void publicNamesAreDeclaredByRulesAndDecidedPerVerb() {
    AccessPolicy p = AccessPolicy.parse(
        "allow user=logger register public=log_sink\n"
            + "deny user=mallory send public=log_*\n"
            + "allow whereis send public=log_sink,'odd name'\n");
    assertTrue(p.isPublicName("log_sink"));
    assertTrue(p.isPublicName("log_other"), "a deny rule's names are public too: one scope per name");
    assertTrue(p.isPublicName("odd name"));
    assertFalse(p.isPublicName("counter"));
    assertTrue(p.allowsPublicName("logger", null, Verb.REGISTER, "log_sink"));
    assertFalse(p.allowsPublicName("bob", null, Verb.REGISTER, "log_sink"), "only named users may take it");
    assertTrue(p.allowsPublicName("bob", null, Verb.SEND, "log_sink"));
    assertTrue(p.allowsPublicName("bob", null, Verb.WHEREIS, "odd name"));
    assertFalse(p.allowsPublicName("mallory", null, Verb.SEND, "log_sink"));
    assertTrue(p.allowsPublicName("mallory", null, Verb.WHEREIS, "log_sink"));
    assertFalse(p.allowsOwn("logger", null, Verb.REGISTER), "public= rules are not about own names");
  }

  @Test
  void keysScopeVerbRulesAsTheyScopeCallRules() {
    AccessPolicy p = AccessPolicy.parse("allow key=" + AccessPolicyTest.ALICE_KEY + " mailbox send\n");
    assertTrue(p.allowsOwn("x", AccessPolicyTest.ALICE_KEY, Verb.SEND));
    assertFalse(p.allowsOwn("x", AccessPolicyTest.OTHER_KEY, Verb.SEND));
    assertFalse(p.allowsOwn("x", null, Verb.MAILBOX));
  }

  @Test
  void qualifiersThatMeanNothingAreSyntaxErrors() {
    assertError("allow user=a exit to=b\n",
        "<string>:1: to= applies only to send, monitor, not to exit (no rule can let a user stop another user's processes)");
    assertError("allow register to=b\n", "<string>:1: to= applies only to send, monitor, not to register");
    assertError("allow monitor public=x\n", "<string>:1: public= applies only to send, register, whereis, not to monitor");
    assertError("allow send to=b public=x\n", "<string>:1: to= and public= cannot be combined");
    assertError("allow receive\n", "<string>:1: receive stands alone with from=");
    assertError("allow receive send from=b\n", "<string>:1: receive stands alone with from=");
    assertError("allow send from=b\n", "<string>:1: from= applies only to receive");
    assertError("allow send lists:*\n", "<string>:1: Module:Function/Arity patterns apply to calls and to spawn only, not to send");
    assertError("allow to=b\n", "<string>:1: missing Module:Function/Arity pattern after \"allow\"");
    assertError("allow lists:* to=b\n", "<string>:1: to= needs a process verb (expected: send, monitor)");
    assertError("allow register public=*\n", "<string>:1: public=* would make every name public");
    assertError("allow register public=a,,b\n", "<string>:1: empty name in \"a,,b\"");
    assertError("allow send send\n", "<string>:1: verb send given twice");
    assertError("allow send user=a\n", "<string>:1: user= must come once, before the patterns");
    assertError("allow sendx\n", "<string>:1: bad pattern \"sendx\" (expected: Module:Function/Arity, Module:Function, Module:* or *, or a process verb)");
    // a file of today's syntax parses to what it meant
    assertEquals(2, AccessPolicy.parse("allow sshrpc:ping/0\ndeny os:* \n").size());
  }

  private static void assertError(String text, String expectedPrefix) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccessPolicy.parse(text));
    assertTrue(e.getMessage().startsWith(expectedPrefix), "message was: " + e.getMessage());
  }
}
