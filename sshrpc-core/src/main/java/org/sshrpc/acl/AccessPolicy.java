package org.sshrpc.acl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

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
 * <p>{@link #ALLOW_ALL} (the server's default when no policy file is given) allows everything the
 * server exports.
 */
public final class AccessPolicy {
  /** A policy that allows every exported function to every authenticated user. */
  public static final AccessPolicy ALLOW_ALL =
      new AccessPolicy(List.of(Rule.parse("allow *", "<builtin>")), "<allow all>");

  /** A policy that allows nothing. */
  public static final AccessPolicy DENY_ALL = new AccessPolicy(List.of(), "<deny all>");

  private final List<Rule> rules;
  private final String source;

  private AccessPolicy(List<Rule> rules, String source) {
    this.rules = List.copyOf(rules);
    this.source = source;
  }

  /**
   * Parses a policy file.
   *
   * @throws IOException when the file cannot be read, or others may write it
   * @throws IllegalArgumentException for a syntax error, with a message starting {@code file:line:}
   */
  public static AccessPolicy parse(Path file) throws IOException {
    checkNotWritableByOthers(file);
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return parse(text, file.toString());
  }

  /**
   * Refuses a policy file that others may write, like OpenSSH's {@code StrictModes}: whoever can
   * write it can grant themselves anything. (Group write is tolerated, as with Debian's OpenSSH:
   * with one private group per user and umask 002 it is harmless.)
   */
  private static void checkNotWritableByOthers(Path file) throws IOException {
    if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (perms.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException(
          "policy file " + file + " is writable by others ("
              + PosixFilePermissions.toString(perms) + "), so it is not trusted; run: chmod o-w " + file);
    }
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
    final boolean allow;
    final Set<String> users;
    final Set<String> keys;
    final List<Pattern[]> patterns;
    final String where;
    final String text;

    private Rule(boolean allow, Set<String> users, Set<String> keys, List<Pattern[]> patterns,
        String where, String text) {
      this.allow = allow;
      this.users = users;
      this.keys = keys;
      this.patterns = patterns;
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
      for (String w : words.subList(1, words.size())) {
        if (w.startsWith("user=")) {
          if (users != null || !patterns.isEmpty()) {
            throw new IllegalArgumentException("user= must come once, before the patterns");
          }
          users = names(w.substring(5), "user");
        } else if (w.startsWith("key=")) {
          if (keys != null || !patterns.isEmpty()) {
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
      if (patterns.isEmpty()) {
        throw new IllegalArgumentException(
            "missing Module:Function/Arity pattern after \"" + verb + "\"");
      }
      return new Rule(allow, users == null ? null : Set.copyOf(users),
          keys == null ? null : Set.copyOf(keys), List.copyOf(patterns), where, line);
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
            "bad pattern \"" + w + "\" (expected: Module:Function/Arity, Module:Function, Module:* or *)");
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
      StringBuilder re = new StringBuilder();
      for (char c : s.toCharArray()) {
        re.append(c == '*' ? ".*" : Pattern.quote(String.valueOf(c)));
      }
      return Pattern.compile(re.toString());
    }

    boolean matches(String user, String key, String module, String function, int arity) {
      if (users != null && (user == null || !users.contains(user))) {
        return false;
      }
      if (keys != null && (key == null || !keys.contains(key))) {
        return false;
      }
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
