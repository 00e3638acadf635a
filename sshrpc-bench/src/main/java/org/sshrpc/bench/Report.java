package org.sshrpc.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders the results as one Markdown table: each figure beside the peers' and the ratio. */
final class Report {
  private Report() {}

  static String render(BenchMain.Options o, List<Subject> subjects, Map<String, String> skipped,
      Map<String, Map<Workload, List<Result>>> results) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "sshrpc end-to-end benchmark: %s counts, median of %d run(s)%n%n",
        o.quick() ? "quick" : "full", o.runs()));
    if (subjects.isEmpty()) {
      b.append("no subject could run\n");
    }
    String ref = subjects.isEmpty() ? "" : subjects.get(0).name();
    b.append("Subjects (ratios are ").append(ref).append(" ÷ the peer's figure):\n\n");
    for (Subject s : subjects) {
      b.append("* `").append(s.name()).append("`: ").append(s.description()).append('\n');
    }
    skipped.forEach((k, v) -> b.append("* `").append(k).append("`: skipped, ").append(v).append('\n'));
    b.append('\n');
    b.append("| workload | figure |");
    for (int i = 0; i < subjects.size(); i++) {
      b.append(' ').append(subjects.get(i).name()).append(" |");
      if (i > 0) {
        b.append(" ratio |");
      }
    }
    b.append("\n|---|---|");
    for (int i = 0; i < subjects.size(); i++) {
      b.append(i > 0 ? "---:|---:|" : "---:|");
    }
    b.append('\n');
    for (Workload w : o.workloads()) {
      Result[] row = new Result[subjects.size()];
      boolean any = false;
      for (int i = 0; i < row.length; i++) {
        List<Result> rs = results.get(subjects.get(i).name()).get(w);
        row[i] = rs == null ? null : BenchMain.median(rs);
        any |= row[i] != null;
      }
      if (!any) {
        continue;
      }
      line(b, w.title, w.unit, row, Result::value, Report::num);
      if (w != Workload.IDLE_1000) {
        line(b, "", "p50 latency", row, Result::p50Us, Report::micros);
        line(b, "", "p99 latency", row, Result::p99Us, Report::micros);
        line(b, "", "CPU µs/call (client+server)", row, Result::cpuUs, Report::num);
      }
    }
    b.append('\n');
    b.append("Figures: calls/s over the measured calls after a warm-up; latency per call from send to reply;"
        + " CPU = this JVM's process CPU + the server process tree's, per call; (d) MB/s = 10^6 bytes of message per round trip;"
        + " (e) median ms of 20 connects (TCP, key exchange, auth, channel + subsystem open; gRPC: until READY);"
        + " (f) wall ms until 100 parallel connects each answered one call; (g) server heap after GC"
        + " (JVM: MemoryMXBean; Erlang: erlang:memory(total)) with 1,000 idle connections minus before, per connection.\n\n");
    for (int i = 0; i < subjects.size(); i++) {
      for (Map.Entry<Workload, List<Result>> e : results.get(subjects.get(i).name()).entrySet()) {
        Result m = BenchMain.median(e.getValue());
        if (m != null && !m.note().isEmpty() && (e.getKey() == Workload.IDLE_1000 || !m.ok())) {
          b.append("* ").append(subjects.get(i).name()).append(", ").append(e.getKey().id).append(": ").append(m.note()).append('\n');
        }
      }
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String title, String figure, Result[] row,
      java.util.function.ToDoubleFunction<Result> f, java.util.function.DoubleFunction<String> fmt) {
    b.append("| ").append(title).append(" | ").append(figure).append(" |");
    double ref = row[0] == null ? Double.NaN : f.applyAsDouble(row[0]);
    for (int i = 0; i < row.length; i++) {
      double v = row[i] == null ? Double.NaN : f.applyAsDouble(row[i]);
      b.append(' ').append(row[i] == null ? "–" : Double.isNaN(v) ? (row[i].ok() ? "–" : "failed") : fmt.apply(v)).append(" |");
      if (i > 0) {
        double r = ref / v;
        b.append(' ').append(Double.isNaN(r) || Double.isInfinite(r) ? "–" : String.format(Locale.ROOT, "%.2f×", r)).append(" |");
      }
    }
    b.append('\n');
  }

  static String num(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    if (Math.abs(v) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (Math.abs(v) >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String micros(double us) {
    if (Double.isNaN(us)) {
      return "–";
    }
    if (us >= 10_000) {
      return String.format(Locale.ROOT, "%,.1f ms", us / 1000);
    }
    return String.format(Locale.ROOT, "%,.0f µs", us);
  }
}
