package org.sshrpc.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A strict parser for the Prometheus text exposition format 0.0.4, for tests that check what
 * {@code sshrpc stats} and the metrics module print.
 *
 * <p>Strict means: every line is a {@code # HELP}, a {@code # TYPE}, another comment, or a
 * well-formed sample; metric and label names match the format's grammar; label values use only the
 * format's escapes; a family's {@code TYPE} comes once and before its samples; samples of one
 * family are contiguous; a histogram's buckets are cumulative, end with {@code le="+Inf"}, and
 * that bucket equals {@code _count}. Anything else throws {@link IllegalArgumentException} naming
 * the line.
 */
public final class PrometheusText {
  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern TYPES =
      Pattern.compile("counter|gauge|histogram|summary|untyped");

  /** One sample line: name, labels in order, value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** One metric family: its name, type, help and samples (in order). */
  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families;

  private PrometheusText(Map<String, Family> families) {
    this.families = families;
  }

  /** The families by name, in order of appearance. */
  public Map<String, Family> families() {
    return families;
  }

  /** The family named {@code name}, if present. */
  public Optional<Family> family(String name) {
    return Optional.ofNullable(families.get(name));
  }

  /** Every sample named exactly {@code name} (e.g. {@code x_bucket}) across families. */
  public List<Sample> samples(String name) {
    List<Sample> out = new ArrayList<>();
    for (Family f : families.values()) {
      for (Sample s : f.samples()) {
        if (s.name().equals(name)) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /**
   * The value of the single sample {@code name} whose labels include all of {@code labels}
   * (pairs: name, value, ...); fails if none or several match.
   */
  public double value(String name, String... labels) {
    List<Sample> hits = new ArrayList<>();
    for (Sample s : samples(name)) {
      boolean all = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        all &= labels[i + 1].equals(s.labels().get(labels[i]));
      }
      if (all) {
        hits.add(s);
      }
    }
    if (hits.size() != 1) {
      throw new AssertionError(
          hits.size() + " samples match " + name + " " + List.of(labels) + ": " + hits);
    }
    return hits.get(0).value();
  }

  /** Parses {@code text}, strictly. */
  public static PrometheusText parse(String text) {
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, String> helps = new LinkedHashMap<>();
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    String current = null;
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("text does not end with a newline");
    }
    String[] lines = text.split("\n", -1);
    for (int n = 0; n < lines.length - 1; n++) {
      String line = lines[n];
      String where = "line " + (n + 1) + ": " + line;
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] p = line.split(" ", 4);
        if (p.length >= 3 && (p[1].equals("HELP") || p[1].equals("TYPE"))) {
          String name = p[2];
          need(METRIC.matcher(name).matches(), "bad metric name", where);
          if (p[1].equals("TYPE")) {
            need(p.length == 4 && TYPES.matcher(p[3]).matches(), "bad TYPE", where);
            need(!types.containsKey(name), "second TYPE", where);
            need(!samples.containsKey(name), "TYPE after samples", where);
            types.put(name, p[3]);
          } else {
            need(!helps.containsKey(name), "second HELP", where);
            helps.put(name, p.length == 4 ? unescapeHelp(p[3], where) : "");
          }
          if (!name.equals(current)) {
            need(!samples.containsKey(name), "family not contiguous", where);
          }
          current = name;
        }
        continue;
      }
      Sample s = sample(line, where);
      String family = familyOf(s.name(), types);
      if (!family.equals(current)) {
        need(!samples.containsKey(family), "family not contiguous", where);
        current = family;
      }
      samples.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
    }
    Map<String, Family> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
      String type = types.getOrDefault(e.getKey(), "untyped");
      Family f =
          new Family(
              e.getKey(), type, helps.getOrDefault(e.getKey(), ""),
              Collections.unmodifiableList(e.getValue()));
      if (type.equals("histogram")) {
        checkHistogram(f);
      }
      if (type.equals("counter")) {
        for (Sample s : f.samples()) {
          need(s.value() >= 0 || Double.isNaN(s.value()), "negative counter", s.toString());
        }
      }
      out.put(f.name(), f);
    }
    return new PrometheusText(Collections.unmodifiableMap(out));
  }

  private static String familyOf(String sample, Map<String, String> types) {
    for (String suffix : List.of("_bucket", "_count", "_sum", "_total", "_created")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        if (types.containsKey(base)) {
          return base;
        }
      }
    }
    return sample;
  }

  private static void checkHistogram(Family f) {
    // Group by labels other than le, in order; buckets must be cumulative and end in +Inf = count.
    Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
    for (Sample s : f.samples()) {
      Map<String, String> key = new LinkedHashMap<>(s.labels());
      if (s.name().equals(f.name() + "_bucket")) {
        need(key.remove("le") != null, "bucket without le", s.toString());
        buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
      } else if (s.name().equals(f.name() + "_count")) {
        counts.put(key, s.value());
      } else {
        need(s.name().equals(f.name() + "_sum"), "unexpected histogram sample", s.toString());
      }
    }
    need(buckets.keySet().equals(counts.keySet()), "buckets and counts differ", f.name());
    for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
      double lastLe = Double.NEGATIVE_INFINITY;
      double lastValue = 0;
      List<Sample> bs = e.getValue();
      for (Sample b : bs) {
        double le = number(b.labels().get("le"), b.toString());
        need(le > lastLe, "le not increasing", b.toString());
        need(b.value() >= lastValue, "bucket not cumulative", b.toString());
        lastLe = le;
        lastValue = b.value();
      }
      need(lastLe == Double.POSITIVE_INFINITY, "no +Inf bucket", e.getKey().toString());
      need(lastValue == counts.get(e.getKey()), "+Inf bucket != count", e.getKey().toString());
    }
  }

  private static Sample sample(String line, String where) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    need(METRIC.matcher(name).matches(), "bad metric name", where);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        need(i < line.length(), "unterminated labels", where);
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int eq = line.indexOf('=', i);
        need(eq > i, "bad label", where);
        String label = line.substring(i, eq);
        need(LABEL.matcher(label).matches(), "bad label name", where);
        need(eq + 1 < line.length() && line.charAt(eq + 1) == '"', "label value not quoted", where);
        StringBuilder v = new StringBuilder();
        int j = eq + 2;
        while (true) {
          need(j < line.length(), "unterminated label value", where);
          char c = line.charAt(j);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            need(j + 1 < line.length(), "dangling escape", where);
            char e = line.charAt(j + 1);
            need(e == '\\' || e == '"' || e == 'n', "bad escape", where);
            v.append(e == 'n' ? '\n' : e);
            j += 2;
          } else {
            v.append(c);
            j++;
          }
        }
        need(labels.put(label, v.toString()) == null, "duplicate label", where);
        i = j + 1;
        need(i < line.length(), "unterminated labels", where);
        if (line.charAt(i) == ',') {
          i++;
        } else {
          need(line.charAt(i) == '}', "expected , or }", where);
        }
      }
    }
    need(i < line.length() && line.charAt(i) == ' ', "expected a space before the value", where);
    String[] rest = line.substring(i + 1).split(" ", -1);
    need(rest.length == 1 || rest.length == 2, "expected value [timestamp]", where);
    double value = number(rest[0], where);
    if (rest.length == 2) {
      need(rest[1].matches("-?[0-9]+"), "bad timestamp", where);
    }
    return new Sample(name, Collections.unmodifiableMap(labels), value);
  }

  private static double number(String s, String where) {
    need(s != null, "missing number", where);
    switch (s) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        need(s.matches("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?|[-+]?[0-9]+\\."), "bad number", where);
        return Double.parseDouble(s);
    }
  }

  private static String unescapeHelp(String s, String where) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        need(i + 1 < s.length(), "dangling escape", where);
        char e = s.charAt(++i);
        need(e == '\\' || e == 'n', "bad escape in HELP", where);
        b.append(e == 'n' ? '\n' : e);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static void need(boolean ok, String what, String where) {
    if (!ok) {
      throw new IllegalArgumentException(what + " at " + where);
    }
  }
}
