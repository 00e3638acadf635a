package org.sshrpc.acl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.sshrpc.internal.TrustedFiles;

/**
 * An access policy: an ordered list of allow/deny rules on {@code Module:Function/Arity}, each rule
 * optionally scoped to SSH user names and to key fingerprints. Immutable.
 *
 * <p>File format (one rule per line, {@code #} starts a comment):
 *
 * <pre>
 *   allow|deny [user=NAME[,NAME...]] [key=SHA256:...[,SHA256:...]] PATTERN [PATTERN...]
 * </pre>
 *
 * A PATTERN is {@code Module:Function/Arity} where each part may be {@code *} or contain {@code *}
 * wildcards; {@code *} alone means every function, {@code lists:*} every function of {@code lists},
 * {@code lists:seq} (no arity) every arity of {@code lists:seq}. Names that are not plain Erlang
 * atoms may be single-quoted ({@code 'Elixir.Foo':bar/1}).
 *
 * <p><b>Precedence: the first rule that matches wins, in file order; when no rule matches, the call
 * is denied.</b> A rule matches when the user is one of its {@code user=} names (if given), the key
 * fingerprint is one of its {@code key=} fingerprints (if given; a session without a key never matches
 * a {@code key=} rule) and the call matches one of its patterns. See {@code docs/policy.md}.
 *
 * <p><b>Processes.</b> A rule may instead name process operations, the verbs {@code mailbox},
 * {@code spawn}, {@code send}, {@code register}, {@code whereis}, {@code monitor}, {@code exit}
 * and {@code receive} ({@link Verb}), with qualifiers that say whose processes or which names:
 *
 * <pre>
 *   allow|deny [user=...] [key=...] VERB [VERB...] [to=USER[,USER...]|to=*] [public=NAME[,NAME...]] [PATTERN...]
 *   allow|deny [user=...] [key=...] receive from=USER[,USER...]|from=*
 * </pre>
 *
 * Without {@code to=} or {@code public=} a verb rule is about the caller's own processes,
 * mailboxes and names; {@code to=} about the processes of those other users ({@code send},
 * {@code monitor}); {@code public=} about those node-wide names ({@code register}, {@code whereis},
 * {@code send}); {@code receive from=} lets the caller's client mailboxes accept messages from
 * those other users; patterns after {@code spawn} restrict what it may start. A rule without verbs
 * is about calls and, as before verbs existed, also allows or denies spawning the same {@code
 * M:F/A}; a rule without verbs whose pattern matches every function ({@code *}) also covers every
 * operation on the caller's own processes, so existing files keep their meaning. Nothing crosses
 * users, and no name is public, without a rule that says so.
 *
 * <p>{@link #ALLOW_ALL} (the server's default when no policy file is given) allows everything the
 * server exports, and every process operation on the caller's own processes; nothing across users.
 */
public final class AccessPolicy {
  /** A policy that allows every exported function to every authenticated user. */
  public static final AccessPolicy ALLOW_ALL =
      new AccessPolicy(List.of(Rule.parse("allow *", "<builtin>")), "<allow all>");

  /** A policy that allows nothing. */
  public static final AccessPolicy DENY_ALL = new AccessPolicy(List.of(), "<deny all>");

  /**
   * A process operation a rule can name. Each is decided by the policy on its own: {@link
   * #allowsOwn}, {@link #allowsPeer}, {@link #allowsPublicName} and {@link #allowsSpawn}.
   */
  public enum Verb {
    /** Open a client mailbox (a pid whose messages go to the client). */
    MAILBOX,
    /** Start a server process ({@code spawn} of an exported process starter). */
    SPAWN,
    /** Send a message to a pid or a registered name. */
    SEND,
    /** Register a name for a pid. */
    REGISTER,
    /** Look up a registered name. */
    WHEREIS,
    /** Monitor a pid. */
    MONITOR,
    /** Stop a process. Only ever the caller's own: no rule can grant another user's. */
    EXIT,
    /** Accept, in the caller's client mailboxes, messages from another user. */
    RECEIVE;

    /** The word a rule writes: the lower-case name. */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Verb ofWord(String w) {
      for (Verb v : values()) {
        if (v.word().equals(w)) {
          return v;
        }
      }
      return null;
    }
  }

  private final List<Rule> rules;
  private final String source;
  // Every public= pattern of every rule: the names that live in the one node-wide scope.
  private final List<Pattern> publicNames;

  private AccessPolicy(List<Rule> rules, String source) {
    this.rules = List.copyOf(rules);
    this.source = source;
    List<Pattern> pub = new ArrayList<>();
    for (Rule r : this.rules) {
      if (r.publicNames != null) {
        pub.addAll(r.publicNames);
      }
    }
    this.publicNames = List.copyOf(pub);
  }

  /**
   * Parses a policy file.
   *
   * @throws IOException when the file cannot be read, or somebody other than root or this
   *     process's user could replace it (StrictModes: the file and every directory above it)
   * @throws IllegalArgumentException for a syntax error, with a message starting {@code file:line:}
   */
  public static AccessPolicy parse(Path file) throws IOException {
    // Whoever can replace the policy can grant themselves anything.
    Path real = TrustedFiles.check(file, "policy file");
    String text = Files.readString(real, StandardCharsets.UTF_8);
    return parse(text, file.toString());
  }

  /**
   * Parses policy text; syntax errors are {@link IllegalArgumentException}s starting {@code
   * <string>:line:}.
   */
  public static AccessPolicy parse(String text) {
    return parse(text, "<string>");
  }

  private static AccessPolicy parse(String text, String name) {
    List<Rule> rules = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = stripComment(lines[i]).strip();
      if (line.isEmpty()) {
        continue;
      }
      String where = name + ":" + (i + 1);
      try {
        rules.add(Rule.parse(line, where));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    return new AccessPolicy(rules, name);
  }

  private static String stripComment(String line) {
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      } else if (c == '#' && !quoted) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  /**
   * Whether {@code user}, authenticated with the key {@code keyFingerprint} ({@code null} when not
   * authenticated by a key), may call {@code module:function/arity}.
   */
  public boolean allows(String user, String keyFingerprint, String module, String function, int arity) {
    Rule r = decidingRule(user, keyFingerprint, module, function, arity);
    return r != null && r.allow;
  }

  /**
   * The rule that decides the call, as written with its {@code file:line}, or {@code null} when no
   * rule matches (denied). Useful for audit logs and for explaining a denial to an operator.
   */
  public String explain(String user, String keyFingerprint, String module, String function, int arity) {
    Rule r = decidingRule(user, keyFingerprint, module, function, arity);
    return r == null ? null : r.where + ": " + r.text;
  }

  /**
   * Whether the call is allowed by a rule that names {@code module} literally: like {@link
   * #allows}, in file order, except that an {@code allow} rule matching the call only through a
   * wildcard in its module part ({@code *}, {@code sshrpc*:*}, {@code *_metrics:*}) is passed over,
   * neither allowing nor denying. A matching {@code deny} rule denies, wildcard or not. For modules
   * that must never be opened by a catch-all, such as the server's metrics.
   */
  public boolean allowsByLiteralModule(
      String user, String keyFingerprint, String module, String function, int arity) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(function, "function");
    for (Rule r : rules) {
      if (!r.matches(user, keyFingerprint, module, function, arity)) {
        continue;
      }
      if (!r.allow) {
        return false;
      }
      if (r.matchesLiteralModule(module, function, arity)) {
        return true;
      }
    }
    return false;
  }

  private Rule decidingRule(String user, String key, String module, String function, int arity) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(function, "function");
    for (Rule r : rules) {
      if (r.matches(user, key, module, function, arity)) {
        return r;
      }
    }
    return null;
  }

  /**
   * Whether {@code user} may start a process with {@code module:function/arity}: decided by the
   * first rule that is either a call rule matching {@code M:F/A} (as before process verbs existed)
   * or a {@code spawn} rule whose patterns, if it has any, match it.
   */
  public boolean allowsSpawn(String user, String keyFingerprint, String module, String function, int arity) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(function, "function");
    for (Rule r : rules) {
      if (r.matchesSpawn(user, keyFingerprint, module, function, arity)) {
        return r.allow;
      }
    }
    return false;
  }

  /**
   * Whether {@code user} may do {@code verb} on their own processes, mailboxes and names (of any
   * of their connections). {@link Verb#SPAWN} is decided by {@link #allowsSpawn}, {@link
   * Verb#RECEIVE} by {@link #allowsPeer}: for them this is false.
   */
  public boolean allowsOwn(String user, String keyFingerprint, Verb verb) {
    Objects.requireNonNull(verb, "verb");
    if (verb == Verb.SPAWN || verb == Verb.RECEIVE) {
      return false;
    }
    for (Rule r : rules) {
      if (r.matchesOwn(user, keyFingerprint, verb)) {
        return r.allow;
      }
    }
    return false;
  }

  /**
   * Whether {@code user} may {@link Verb#SEND} to or {@link Verb#MONITOR} the processes and
   * mailboxes of {@code otherUser} (rules with {@code to=}), or, for {@link Verb#RECEIVE}, whether
   * {@code user}'s client mailboxes accept messages from {@code otherUser} (rules with {@code
   * from=}). A send across users also needs the receiver's consent: this is only the policy's half.
   */
  public boolean allowsPeer(String user, String keyFingerprint, Verb verb, String otherUser) {
    Objects.requireNonNull(verb, "verb");
    Objects.requireNonNull(otherUser, "otherUser");
    for (Rule r : rules) {
      if (r.matchesPeer(user, keyFingerprint, verb, otherUser)) {
        return r.allow;
      }
    }
    return false;
  }

  /**
   * Whether {@code user} may {@link Verb#REGISTER}, {@link Verb#WHEREIS} or {@link Verb#SEND} to
   * the public name {@code name} (rules with {@code public=}).
   */
  public boolean allowsPublicName(String user, String keyFingerprint, Verb verb, String name) {
    Objects.requireNonNull(verb, "verb");
    Objects.requireNonNull(name, "name");
    for (Rule r : rules) {
      if (r.matchesPublicName(user, keyFingerprint, verb, name)) {
        return r.allow;
      }
    }
    return false;
  }

  /**
   * Whether {@code name} is public: some rule names it with {@code public=}. A public name lives in
   * one node-wide scope; every other name is registered and looked up in its user's own scope.
   */
  public boolean isPublicName(String name) {
    for (Pattern p : publicNames) {
      if (p.matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }

  /** The number of rules. */
  public int size() {
    return rules.size();
  }

  @Override
  public String toString() {
    return "AccessPolicy[" + source + ", " + rules.size() + " rules]";
  }

  /** One parsed line. */
  private static final class Rule {
    // What to= and from= may name: "*" for every other user.
    private static final String ANY_USER = "*";
    private static final Set<Verb> TO_VERBS = EnumSet.of(Verb.SEND, Verb.MONITOR);
    private static final Set<Verb> PUBLIC_VERBS = EnumSet.of(Verb.REGISTER, Verb.WHEREIS, Verb.SEND);

    final boolean allow;
    final Set<String> users;
    final Set<String> keys;
    final List<Pattern[]> patterns;
    // Process verbs; empty for a call rule.
    final Set<Verb> verbs;
    // to= (or from= for receive): other users' processes; null when not given.
    final Set<String> peers;
    // public=: node-wide names; null when not given.
    final List<Pattern> publicNames;
    // A call rule with a pattern that matches every function: it also covers own processes.
    final boolean everything;
    final String where;
    final String text;

    private Rule(boolean allow, Set<String> users, Set<String> keys, List<Pattern[]> patterns,
        Set<Verb> verbs, Set<String> peers, List<Pattern> publicNames, String where, String text) {
      this.allow = allow;
      this.users = users;
      this.keys = keys;
      this.patterns = patterns;
      this.verbs = verbs;
      this.peers = peers;
      this.publicNames = publicNames;
      boolean all = false;
      for (Pattern[] p : patterns) {
        all |= p[0] == null && p[1] == null && p[2] == null;
      }
      this.everything = verbs.isEmpty() && all;
      this.where = where;
      this.text = text;
    }

    static Rule parse(String line, String where) {
      List<String> words = words(line);
      String verb = words.get(0);
      boolean allow;
      if (verb.equals("allow")) {
        allow = true;
      } else if (verb.equals("deny")) {
        allow = false;
      } else {
        throw new IllegalArgumentException("expected allow or deny, found \"" + verb + "\"");
      }
      Set<String> users = null;
      Set<String> keys = null;
      List<Pattern[]> patterns = new ArrayList<>();
      Set<Verb> verbs = EnumSet.noneOf(Verb.class);
      Set<String> peers = null;
      String peerWord = null;
      List<Pattern> publicNames = null;
      for (String w : words.subList(1, words.size())) {
        boolean started = !patterns.isEmpty() || !verbs.isEmpty() || peers != null || publicNames != null;
        Verb v = Verb.ofWord(w);
        if (w.startsWith("user=")) {
          if (users != null || started) {
            throw new IllegalArgumentException("user= must come once, before the patterns");
          }
          users = names(w.substring(5), "user");
        } else if (v != null) {
          if (!verbs.add(v)) {
            throw new IllegalArgumentException("verb " + w + " given twice");
          }
        } else if (w.startsWith("to=") || w.startsWith("from=")) {
          if (peers != null) {
            throw new IllegalArgumentException("to= or from= must come once");
          }
          peerWord = w.substring(0, w.indexOf('=') + 1);
          peers = names(w.substring(peerWord.length()), "user");
        } else if (w.startsWith("public=")) {
          if (publicNames != null) {
            throw new IllegalArgumentException("public= must come once");
          }
          publicNames = new ArrayList<>();
          for (String n : atomList(w.substring(7))) {
            Pattern np = name(n, w);
            if (np == null) {
              // Every name public would leave no user a scope of their own.
              throw new IllegalArgumentException(
                  "public=* would make every name public (expected: names or prefixes, e.g. public=log_sink,metrics_*)");
            }
            publicNames.add(np);
          }
        } else if (w.startsWith("key=")) {
          if (keys != null || started) {
            throw new IllegalArgumentException("key= must come once, before the patterns");
          }
          keys = names(w.substring(4), "key");
          for (String k : keys) {
            if (!k.startsWith("SHA256:") || k.length() < 8) {
              throw new IllegalArgumentException(
                  "key fingerprint must be in OpenSSH SHA256: form (ssh-keygen -lf), found \"" + k + "\"");
            }
          }
        } else {
          patterns.add(pattern(w));
        }
      }
      if (patterns.isEmpty() && verbs.isEmpty()) {
        throw new IllegalArgumentException(
            "missing Module:Function/Arity pattern after \"" + verb + "\" (or a process verb: "
                + verbWords(EnumSet.allOf(Verb.class)) + ")");
      }
      checkProcessRule(verbs, patterns, peerWord, publicNames);
      return new Rule(allow, users == null ? null : Set.copyOf(users),
          keys == null ? null : Set.copyOf(keys), List.copyOf(patterns), Set.copyOf(verbs),
          peers == null ? null : Set.copyOf(peers), publicNames == null ? null : List.copyOf(publicNames),
          where, line);
    }

    /** Refuses qualifiers that mean nothing for the rule's verbs, rather than ignoring them. */
    private static void checkProcessRule(
        Set<Verb> verbs, List<Pattern[]> patterns, String peerWord, List<Pattern> publicNames) {
      if (verbs.isEmpty()) {
        if (peerWord != null || publicNames != null) {
          throw new IllegalArgumentException(
              (peerWord != null ? peerWord : "public=") + " needs a process verb (expected: "
                  + verbWords(peerWord == null ? PUBLIC_VERBS : "to=".equals(peerWord) ? TO_VERBS : EnumSet.of(Verb.RECEIVE))
                  + ")");
        }
        return;
      }
      if (!patterns.isEmpty() && !verbs.contains(Verb.SPAWN)) {
        throw new IllegalArgumentException(
            "Module:Function/Arity patterns apply to calls and to spawn only, not to " + verbWords(verbs));
      }
      if (peerWord != null && publicNames != null) {
        throw new IllegalArgumentException("to= and public= cannot be combined (expected: one rule each)");
      }
      if (verbs.contains(Verb.RECEIVE)) {
        if (verbs.size() > 1 || !"from=".equals(peerWord)) {
          throw new IllegalArgumentException("receive stands alone with from= (expected: receive from=USER[,USER...] or from=*)");
        }
        return;
      }
      if ("from=".equals(peerWord)) {
        throw new IllegalArgumentException("from= applies only to receive (expected: to= for send and monitor)");
      }
      if (peerWord != null && !TO_VERBS.containsAll(verbs)) {
        throw new IllegalArgumentException(
            "to= applies only to " + verbWords(TO_VERBS) + ", not to " + verbWords(without(verbs, TO_VERBS))
                + (verbs.contains(Verb.EXIT) ? " (no rule can let a user stop another user's processes)" : ""));
      }
      if (publicNames != null && !PUBLIC_VERBS.containsAll(verbs)) {
        throw new IllegalArgumentException(
            "public= applies only to " + verbWords(PUBLIC_VERBS) + ", not to " + verbWords(without(verbs, PUBLIC_VERBS)));
      }
    }

    private static Set<Verb> without(Set<Verb> verbs, Set<Verb> allowed) {
      Set<Verb> out = EnumSet.copyOf(verbs);
      out.removeAll(allowed);
      return out;
    }

    private static String verbWords(Set<Verb> verbs) {
      StringBuilder b = new StringBuilder();
      for (Verb v : verbs) {
        b.append(b.length() == 0 ? "" : ", ").append(v.word());
      }
      return b.toString();
    }

    /** Splits {@code a,b,'c,d'} on the commas outside quotes. */
    private static List<String> atomList(String list) {
      List<String> out = new ArrayList<>();
      StringBuilder cur = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i <= list.length(); i++) {
        char c = i < list.length() ? list.charAt(i) : ',';
        if (c == '\'') {
          quoted = !quoted;
        }
        if (c == ',' && !quoted) {
          if (cur.length() == 0) {
            throw new IllegalArgumentException("empty name in \"" + list + "\"");
          }
          out.add(cur.toString());
          cur.setLength(0);
        } else {
          cur.append(c);
        }
      }
      return out;
    }

    private static Set<String> names(String list, String what) {
      Set<String> out = new LinkedHashSet<>();
      for (String n : list.split(",", -1)) {
        if (n.isEmpty()) {
          throw new IllegalArgumentException("empty " + what + " name in \"" + list + "\"");
        }
        out.add(n);
      }
      return out;
    }

    /** Splits on blanks, keeping single-quoted atoms (which may contain blanks) whole. */
    private static List<String> words(String line) {
      List<String> out = new ArrayList<>();
      StringBuilder cur = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c == '\'') {
          quoted = !quoted;
          cur.append(c);
        } else if (Character.isWhitespace(c) && !quoted) {
          if (cur.length() > 0) {
            out.add(cur.toString());
            cur.setLength(0);
          }
        } else {
          cur.append(c);
        }
      }
      if (quoted) {
        throw new IllegalArgumentException("unterminated quote");
      }
      if (cur.length() > 0) {
        out.add(cur.toString());
      }
      return out;
    }

    /** {@code M:F/A} → three patterns (module, function, arity). */
    private static Pattern[] pattern(String w) {
      if (w.equals("*")) {
        return new Pattern[] {null, null, null};
      }
      List<String> parts = new ArrayList<>();
      StringBuilder cur = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < w.length(); i++) {
        char c = w.charAt(i);
        if (c == '\'') {
          quoted = !quoted;
          cur.append(c);
        } else if (!quoted && (c == ':' || c == '/')) {
          parts.add(cur.toString());
          parts.add(String.valueOf(c));
          cur.setLength(0);
        } else {
          cur.append(c);
        }
      }
      parts.add(cur.toString());
      // Accept M:F or M:F/A only.
      boolean shapeOk =
          (parts.size() == 3 && parts.get(1).equals(":"))
              || (parts.size() == 5 && parts.get(1).equals(":") && parts.get(3).equals("/"));
      if (!shapeOk) {
        throw new IllegalArgumentException(
            "bad pattern \"" + w + "\" (expected: Module:Function/Arity, Module:Function, Module:* or *, or a process verb)");
      }
      Pattern m = name(parts.get(0), w);
      Pattern f = name(parts.get(2), w);
      Pattern a = null;
      if (parts.size() == 5) {
        String arity = parts.get(4);
        if (!arity.equals("*")) {
          if (!arity.matches("\\d{1,3}") || Integer.parseInt(arity) > 255) {
            throw new IllegalArgumentException(
                "bad arity \"" + arity + "\" in \"" + w + "\" (expected: 0..255 or *)");
          }
          a = Pattern.compile(Integer.toString(Integer.parseInt(arity)));
        }
      }
      return new Pattern[] {m, f, a};
    }

    private static Pattern name(String s, String w) {
      if (s.startsWith("'")) {
        if (s.length() < 3 || !s.endsWith("'")) {
          throw new IllegalArgumentException("bad quoted name " + s + " in \"" + w + "\"");
        }
        return Pattern.compile(Pattern.quote(s.substring(1, s.length() - 1)));
      }
      if (s.isEmpty()) {
        throw new IllegalArgumentException("empty name in \"" + w + "\"");
      }
      if (s.equals("*")) {
        return null;
      }
      if (!s.matches("[A-Za-z0-9_@.*]+")) {
        throw new IllegalArgumentException(
            "bad name \"" + s + "\" in \"" + w + "\" (quote atoms with other characters: 'name')");
      }
      if (s.indexOf('*') < 0) {
        return Pattern.compile(Pattern.quote(s));
      }
      StringBuilder re = new StringBuilder();
      for (char c : s.toCharArray()) {
        re.append(c == '*' ? ".*" : Pattern.quote(String.valueOf(c)));
      }
      return Pattern.compile(re.toString());
    }

    /** Whether a pattern whose module part is exactly {@code module}, without wildcard, matches. */
    boolean matchesLiteralModule(String module, String function, int arity) {
      // name() compiles a wildcard-free name to Pattern.quote(name), a wildcard to ".*" pieces.
      String literal = Pattern.quote(module);
      String a = Integer.toString(arity);
      for (Pattern[] p : patterns) {
        if (p[0] != null && p[0].pattern().equals(literal)
            && (p[1] == null || p[1].matcher(function).matches())
            && (p[2] == null || p[2].matcher(a).matches())) {
          return true;
        }
      }
      return false;
    }

    private boolean matchesCaller(String user, String key) {
      if (users != null && (user == null || !users.contains(user))) {
        return false;
      }
      return keys == null || key != null && keys.contains(key);
    }

    /** A call: only call rules (no verbs) decide it. */
    boolean matches(String user, String key, String module, String function, int arity) {
      return verbs.isEmpty() && matchesCaller(user, key) && matchesPattern(module, function, arity);
    }

    boolean matchesSpawn(String user, String key, String module, String function, int arity) {
      if (!matchesCaller(user, key)) {
        return false;
      }
      if (verbs.isEmpty()) {
        return matchesPattern(module, function, arity);
      }
      return verbs.contains(Verb.SPAWN) && (patterns.isEmpty() || matchesPattern(module, function, arity));
    }

    boolean matchesOwn(String user, String key, Verb verb) {
      if (!matchesCaller(user, key)) {
        return false;
      }
      return everything || verbs.contains(verb) && peers == null && publicNames == null;
    }

    boolean matchesPeer(String user, String key, Verb verb, String other) {
      return verbs.contains(verb) && peers != null && (peers.contains(ANY_USER) || peers.contains(other))
          && matchesCaller(user, key);
    }

    boolean matchesPublicName(String user, String key, Verb verb, String name) {
      if (!verbs.contains(verb) || publicNames == null || !matchesCaller(user, key)) {
        return false;
      }
      for (Pattern p : publicNames) {
        if (p.matcher(name).matches()) {
          return true;
        }
      }
      return false;
    }

    private boolean matchesPattern(String module, String function, int arity) {
      String a = Integer.toString(arity);
      for (Pattern[] p : patterns) {
        if ((p[0] == null || p[0].matcher(module).matches())
            && (p[1] == null || p[1].matcher(function).matches())
            && (p[2] == null || p[2].matcher(a).matches())) {
          return true;
        }
      }
      return false;
    }
  }
}
