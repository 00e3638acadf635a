package org.sshrpc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.HdrHistogram.Histogram;
import org.apache.sshd.client.SshClient;
import org.sshrpc.client.RpcClient;

/**
 * The hostile soak of issue 10: an sshrpc server run as {@code dist/sshrpc.service} runs it (a
 * child JVM, 256 MiB heap by default) serves M legitimate clients for one phase alone (the
 * baseline) and for one phase beside N attackers running every reproduction of the issue at once;
 * it prints the legitimate clients' success rate and latency in both phases, whether the server
 * survived, and what each attack sent and got. Not a test: a measurement with a stated goal.
 *
 * <pre>
 * ./sshrpc-bench.sh soak [--duration 180s] [--attackers N] [--legit M] [--heap 256m]
 *                        [--interval 10ms] [--insider] [--quick] [--verbose]
 * </pre>
 */
final class Soak {
  private Soak() {}

  /** The soak's command line. */
  record Options(Duration duration, int attackers, int legit, String heap, Duration interval, boolean insider, boolean quick,
      java.util.Set<SoakAttacks.Kind> attacks) {}

  static String usage() {
    return "usage: sshrpc-bench soak [--duration 180s] [--attackers N] [--legit M] [--heap 256m] [--interval 10ms] [--insider] [--quick]\n"
        + "  --duration D   length of each phase, baseline and attack (default 180s; --quick: 20s)\n"
        + "  --attackers N  attackers, each running every attack at once (default 4)\n"
        + "  --legit M      legitimate clients, one SSH user each (default 4)\n"
        + "  --heap H       the server's -Xmx (default 256m); its other JVM options are dist/sshrpc.service's\n"
        + "  --interval D   pause between a legitimate client's cycles of 3 calls (default 10ms; 0 = none)\n"
        + "  --insider      attackers may also call lists:seq/2 and lists:max/1 (so (2) and (3a) run, not only get denied)\n"
        + "  --attacks L    only these attacks, by id (default all: 1a,1b,1c,2,3a,3b,4a,4b,5,6a,6b)\n"
        + "  --quick        20 s phases (unless --duration)\n"
        + "Prints the figures and a GOAL line; exit status 0 when the goal is met, 1 when not, 2 on bad arguments.";
  }

  static Options parse(String[] args) {
    Duration duration = null;
    int attackers = 4;
    int legit = 4;
    String heap = "256m";
    Duration interval = Duration.ofMillis(10);
    boolean insider = false;
    boolean quick = false;
    java.util.Set<SoakAttacks.Kind> kinds = java.util.EnumSet.allOf(SoakAttacks.Kind.class);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "soak" -> {
          // the mode itself, when the whole command line is passed on
        }
        case "--quick" -> quick = true;
        case "--insider" -> insider = true;
        case "--verbose" -> BenchMain.verbose = true;
        case "--duration" -> duration = duration(value(args, ++i, a), a);
        case "--interval" -> interval = duration(value(args, ++i, a), a);
        case "--attackers" -> attackers = count(value(args, ++i, a), a, 0, 64);
        case "--legit" -> legit = count(value(args, ++i, a), a, 1, 64);
        case "--attacks" -> kinds = SoakAttacks.Kind.parse(value(args, ++i, a));
        case "--heap" -> {
          heap = value(args, ++i, a);
          if (!heap.matches("[0-9]+[kmgKMG]?")) {
            throw new IllegalArgumentException("--heap " + heap + " (expected: a -Xmx size such as 256m)");
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (duration == null) {
      duration = quick ? Duration.ofSeconds(20) : Duration.ofSeconds(180);
    }
    if (duration.toMillis() < 1000) {
      throw new IllegalArgumentException("--duration " + duration.toMillis() + "ms (expected: at least 1s)");
    }
    return new Options(duration, attackers, legit, heap, interval, insider, quick, kinds);
  }

  private static String value(String[] args, int i, String opt) {
    if (i >= args.length) {
      throw new IllegalArgumentException(opt + " needs a value");
    }
    return args[i];
  }

  private static int count(String s, String opt, int min, int max) {
    try {
      int n = Integer.parseInt(s);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(opt + " " + s + " (expected: " + min + ".." + max + ")");
  }

  /** "180s", "3m", "500ms" or plain seconds. */
  static Duration duration(String s, String opt) {
    try {
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      if (s.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
      }
      if (s.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
      }
      return Duration.ofSeconds(Long.parseLong(s));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + " " + s + " (expected: a duration such as 180s, 3m or 500ms)");
    }
  }

  static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(usage());
      System.exit(0);
      return;
    }
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sshrpc-bench soak: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    System.exit(run(o, System.out));
  }

  /** One phase's legitimate figures. */
  record Phase(String name, Map<String, SoakStats.Op> ops, long elapsedNanos, String note) {
    long attempts() {
      return ops.values().stream().mapToLong(op -> op.attempts.sum()).sum();
    }

    long ok() {
      return ops.values().stream().mapToLong(op -> op.ok.sum()).sum();
    }

    /** The calls' latencies (seq, echo, process: not logins or connects). */
    Histogram calls() {
      Histogram h = new Histogram(60_000_000_000L, 3);
      for (String id : List.of("seq", "echo", "process")) {
        h.add(ops.get(id).histogram());
      }
      return h;
    }
  }

  /** Runs both phases against a fresh server and prints the report; 0 if the goal was met, else 1. */
  static int run(Options o, PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory("sshrpc-soak-");
    List<String> legitUsers = new ArrayList<>();
    List<String> attackerUsers = new ArrayList<>();
    for (int i = 1; i <= o.legit(); i++) {
      legitUsers.add("legit" + i);
    }
    for (int i = 1; i <= o.attackers(); i++) {
      attackerUsers.add("mallory" + i);
    }
    Map<String, KeyPair> keys = new LinkedHashMap<>();
    StringBuilder authorized = new StringBuilder();
    List<String> all = new ArrayList<>(legitUsers);
    all.addAll(attackerUsers);
    for (String u : all) {
      Path k = dir.resolve("id_" + u);
      BenchKeys.keygen(k);
      keys.put(u, BenchKeys.load(k));
      authorized.append("sshrpc-user=\"").append(u).append("\" ")
          .append(Files.readString(dir.resolve("id_" + u + ".pub"), StandardCharsets.US_ASCII).trim()).append('\n');
    }
    Path authorizedKeys = dir.resolve("authorized_keys");
    Files.writeString(authorizedKeys, authorized);
    Path policy = dir.resolve("policy.conf");
    Files.writeString(policy, SoakPolicy.text(legitUsers, attackerUsers, o.insider()));
    System.err.println("soak: building the attack frames");
    SoakFrames frames = new SoakFrames();

    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "soak-watchdog");
      t.setDaemon(true);
      return t;
    });
    List<RpcClient> clients = new ArrayList<>();
    SshClient ssh = null;
    SoakServer server = SoakServer.start(o.heap(), dir.resolve("host_ed25519"), authorizedKeys, policy);
    try {
      Map<String, RpcClient> legitClients = new LinkedHashMap<>();
      for (String u : legitUsers) {
        RpcClient c = client(keys.get(u), dir.resolve("known_hosts_" + u));
        clients.add(c);
        legitClients.put(u, c);
      }
      System.err.printf(Locale.ROOT, "soak: server pid %d on port %d; baseline %d s with %d legitimate clients%n",
          server.pid(), server.port(), o.duration().toSeconds(), o.legit());
      Phase baseline = legitPhase("baseline", o, server, legitClients, null);

      ssh = SoakRaw.client();
      List<SoakAttacks.Attacker> attackers = new ArrayList<>();
      for (String u : attackerUsers) {
        RpcClient c = client(keys.get(u), dir.resolve("known_hosts_" + u), SoakRaw.ATTACKER_SOURCE);
        clients.add(c);
        attackers.add(new SoakAttacks.Attacker(u, keys.get(u), c));
      }
      List<String> names = legitUsers.stream().map(SoakLegit::counterName).toList();
      SoakAttacks attacks = new SoakAttacks(frames, ssh, watchdog, server.port(), names);
      // the attackers start first (a ramp), so the legit clients meet a server already under attack
      long ramp = o.quick() ? 2_000_000_000L : 5_000_000_000L;
      long attackEnd = System.nanoTime() + ramp + o.duration().toNanos();
      System.err.printf(Locale.ROOT, "soak: attack phase, %d attackers x %d attacks, %d s ramp then %d s measured%n",
          o.attackers(), o.attacks().size(), ramp / 1_000_000_000L, o.duration().toSeconds());
      attacks.start(attackers, o.attacks(), attackEnd);
      Thread.sleep(ramp / 1_000_000);
      Phase attack = legitPhase("attack", o, server, legitClients, attacks);
      attacks.join(Duration.ofSeconds(45));
      String stuck = attacks.running() > 0 ? attacks.running() + " attack loops still blocked 45 s after the phase" : "";

      long[] rss = server.rss();
      String heap = server.heapInfo();
      String report = render(o, server, baseline, attack, attacks, rss, heap, stuck);
      out.print(report);
      out.flush();
      return report.contains(": PASS") ? 0 : 1;
    } finally {
      for (RpcClient c : clients) {
        try {
          c.close();
        } catch (RuntimeException e) {
          // closing
        }
      }
      if (ssh != null) {
        ssh.stop();
      }
      watchdog.shutdownNow();
      server.close();
      BenchKeys.delete(dir);
    }
  }

  private static RpcClient client(KeyPair key, Path knownHosts) {
    return client(key, knownHosts, null);
  }

  /** A client connecting from {@code source} (null: the system's choice). */
  private static RpcClient client(KeyPair key, Path knownHosts, java.net.InetAddress source) {
    return RpcClient.builder()
        .bindAddress(source)
        .identity(key)
        .knownHosts(knownHosts)
        .acceptNewHostKeys(true)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** Runs the legitimate clients for one phase (cut short if the server dies). */
  private static Phase legitPhase(String name, Options o, SoakServer server, Map<String, RpcClient> clients, SoakAttacks attacks)
      throws InterruptedException {
    Map<String, SoakStats.Op> ops = new LinkedHashMap<>();
    SoakLegit.OPS.forEach(id -> ops.put(id, new SoakStats.Op()));
    long start = System.nanoTime();
    long end = start + o.duration().toNanos();
    List<Thread> threads = new ArrayList<>();
    for (Map.Entry<String, RpcClient> e : clients.entrySet()) {
      Thread t = new Thread(new SoakLegit(e.getKey(), e.getValue(), server.port(), end, o.interval(), ops), "soak-" + e.getKey());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    String note = "";
    while (System.nanoTime() - end < 0 && threads.stream().anyMatch(Thread::isAlive)) {
      if (!server.isAlive()) {
        note = String.format(Locale.ROOT, "server exited (status %d) %.1f s into the phase%s; phase ended there",
            server.exitStatus(), (server.exitedAtNanos() - start) / 1e9,
            attacks == null ? "" : String.format(Locale.ROOT, " (%.1f s after the attackers started)", (server.exitedAtNanos() - attacks.startedNanos()) / 1e9));
        if (attacks != null) {
          attacks.stop();
        }
        break;
      }
      Thread.sleep(200);
    }
    long elapsed = System.nanoTime() - start;
    long joinUntil = System.nanoTime() + 45_000_000_000L;
    for (Thread t : threads) {
      if (!note.isEmpty()) {
        t.interrupt(); // the server is gone: stop waiting for calls that cannot be answered
      }
      t.join(Math.max(1, (joinUntil - System.nanoTime()) / 1_000_000));
      t.interrupt(); // still in a call 45 s after the end: give up on it (counted as failed)
    }
    System.err.printf(Locale.ROOT, "soak: %s phase done: %d of %d operations succeeded%s%n", name,
        ops.values().stream().mapToLong(op -> op.ok.sum()).sum(),
        ops.values().stream().mapToLong(op -> op.attempts.sum()).sum(), note.isEmpty() ? "" : "; " + note);
    return new Phase(name, ops, elapsed, note);
  }

  static String render(Options o, SoakServer server, Phase base, Phase attack, SoakAttacks attacks, long[] rss, String heap, String stuck) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "sshrpc hostile soak: %d s per phase%s, %d legitimate clients, %d attackers, server heap %s%s%n",
        o.duration().toSeconds(), o.quick() ? " (quick)" : "", o.legit(), o.attackers(), o.heap(), o.insider() ? ", insider attackers" : ""));
    b.append("server: sshrpc serve, pid ").append(server.pid()).append(", JVM options ")
        .append(String.join(" ", server.jvmOptions())).append(" (from ").append(server.javaOptsSource()).append(")\n");
    b.append("policy: attackers may call sshrpc:ping/0").append(o.insider() ? ", lists:seq/2, lists:max/1" : " only")
        .append("; legitimate users sshrpc:echo/1, lists:seq/2, sshrpc_counter:start/1 and processes\n\n");
    b.append("legitimate clients (calls = seq, echo, process round trip; success counts every operation, logins and connects included):\n");
    for (Phase p : List.of(base, attack)) {
      Histogram h = p.calls();
      long calls = h.getTotalCount();
      b.append(String.format(Locale.ROOT, "%-8s  operations=%d ok=%d success=%s calls/s=%.1f p50=%s p99=%s max=%s%n",
          p.name() + ":", p.attempts(), p.ok(), pct(p.ok(), p.attempts()), calls / (p.elapsedNanos() / 1e9),
          ms(h, 50), ms(h, 99), calls == 0 ? "n/a" : String.format(Locale.ROOT, "%.2fms", h.getMaxValue() / 1e6)));
    }
    for (Phase p : List.of(base, attack)) {
      b.append("  ").append(p.name()).append(" per operation:");
      p.ops().forEach((id, op) -> b.append(' ').append(id).append(' ').append(op.ok.sum()).append('/').append(op.attempts.sum()));
      b.append('\n');
      if (!p.note().isEmpty()) {
        b.append("  ").append(p.name()).append(": ").append(p.note()).append('\n');
      }
      p.ops().forEach((id, op) -> op.reasons().entrySet().stream().limit(4).forEach(e ->
          b.append("    ").append(id).append(" failed ").append(e.getValue()).append("x: ").append(e.getKey()).append('\n')));
    }
    double ratio = ratio(base.calls(), attack.calls());
    b.append(String.format(Locale.ROOT, "p99 ratio (attack/baseline): %s%n", Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2f", ratio)));
    boolean alive = server.isAlive();
    b.append("server alive at end: ").append(alive ? "yes" : "no, exit status " + server.exitStatus()).append('\n');
    b.append(String.format(Locale.ROOT, "server memory: RSS %s, peak RSS %s, heap %s%n", mib(rss[0]), mib(rss[1]), heap == null ? "n/a" : heap));
    b.append(String.format(Locale.ROOT, "server output: %d lines, %s, %d unescaped NEL/U+2028/U+2029 (each can forge a log record)%n",
        server.logLines(), mib(server.logBytes()), server.rawSeparators()));
    for (String l : server.notableLines()) {
      b.append("  server said: ").append(cut(l, 200)).append('\n');
    }
    if (!stuck.isEmpty()) {
      b.append("note: ").append(stuck).append('\n');
    }
    b.append("\nattacks (all attackers together; sent = requests/frames/connections, refused = the server said no or closed,"
        + " errors = our side failed (connect refused, I/O error, timeout), breaches = the attack got what it wanted):\n");
    b.append(String.format(Locale.ROOT, "%-4s %10s %10s %10s %10s %12s  %s%n", "id", "sent", "refused", "errors", "breaches", "reply MiB", "attack"));
    for (SoakStats.Attack a : attacks.stats().values()) {
      if (!o.attacks().contains(SoakAttacks.Kind.byId(a.id))) {
        continue;
      }
      b.append(String.format(Locale.ROOT, "%-4s %10d %10d %10d %10d %12.1f  %s%n", a.id, a.sent.sum(), a.refused.sum(), a.errors.sum(),
          a.breaches.sum(), a.replyBytes.sum() / 1048576.0, a.what));
    }
    for (SoakStats.Attack a : attacks.stats().values()) {
      if (!a.lastError.isEmpty()) {
        b.append("  ").append(a.id).append(" last error: ").append(cut(a.lastError, 160)).append('\n');
      }
    }
    double success = attack.attempts() == 0 ? 0 : 100.0 * attack.ok() / attack.attempts();
    boolean pass = attack.attempts() > 0 && attack.ok() == attack.attempts() && base.ok() == base.attempts() && alive
        && !Double.isNaN(ratio) && ratio <= 5.0;
    b.append(String.format(Locale.ROOT, "%nGOAL: 100 %% success, server alive, p99 ratio ≤ 5: %s (success %s under attack, %s at baseline, server %s, p99 ratio %s)%n",
        pass ? "PASS" : "FAIL", pct(attack.ok(), attack.attempts()), pct(base.ok(), base.attempts()),
        alive ? "alive" : "exited " + server.exitStatus(), Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2f", ratio)));
    return b.toString();
  }

  private static double ratio(Histogram base, Histogram attack) {
    if (base.getTotalCount() == 0 || attack.getTotalCount() == 0) {
      return Double.NaN;
    }
    return (double) attack.getValueAtPercentile(99) / base.getValueAtPercentile(99);
  }

  static String pct(long ok, long all) {
    return all == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100.0 * ok / all);
  }

  private static String ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? "n/a" : String.format(Locale.ROOT, "%.2fms", h.getValueAtPercentile(percentile) / 1e6);
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage();
    return cut(e.getClass().getSimpleName() + (m == null ? "" : ": " + m.replaceAll("\\s+", " ")), 160);
  }

  static String cut(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n) + "…";
  }
}
