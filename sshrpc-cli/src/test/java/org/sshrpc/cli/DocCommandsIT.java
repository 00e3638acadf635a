package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell commands shown in {@code README.md} and {@code docs/*.md}, run as written, so the docs
 * cannot drift from the code again.
 *
 * <p><b>What counts as a command.</b> A line inside a code block (indented by four spaces, or in a
 * fence that is untagged or tagged {@code sh}, {@code console}, {@code shell} or {@code bash})
 * whose first word, after an optional {@code $ } prompt, is one of {@link #PROGRAMS}. A trailing
 * {@code \} continues it on the next line; {@code <<'EOF'} takes the lines up to {@code EOF}. The
 * lines after a command in the same block, up to the next command, are its <i>documented
 * output</i>: each must appear, in order, among the lines the command printed (stdout, then
 * stderr); {@code ...} in a documented line matches anything. A command exits 0 unless it ends
 * with a comment {@code # exit N}.
 *
 * <p><b>The sandbox.</b> Each page runs in its own directory holding the launcher ({@code
 * ./sshrpc}, also on {@code PATH} as {@code sshrpc}) and the shaded jar, with a temporary home
 * ({@code -Duser.home} through {@code SSHRPC_JAVA_OPTS}, and {@code HOME}) holding a fresh
 * {@code ~/.ssh/id_ed25519}. Pages other than the README also get {@code ~/.sshrpc/authorized_keys}
 * binding that key to {@code alice} (the README creates its own as it shows). A page's {@code
 * sshrpc serve} command is started in the background and awaited ("ready on"); a page without
 * one gets {@code ./sshrpc serve --listen 127.0.0.1:2222 --listen '[::1]:2222'}, with its host key
 * in {@code ~/.ssh/known_hosts} for both addresses. <b>Port
 * substitution:</b> the documented port (the one in the page's serve command, else 2222) is
 * replaced, wherever it follows a {@code :}, by a free port in every command and documented
 * output of the page.
 *
 * <p>A <b>synopsis</b> (a command with {@code [-...]}, {@code [connection options]} or {@code
 * [USER@]} in it) is not run. <b>Other commands that are not run</b> (other hosts, root, the whole
 * build, long benchmarks) are listed in {@link #NOT_RUN} by page and command text, each with the reason. The
 * test fails on a command that is neither run nor listed, and on a listed command no page shows
 * any more: a new doc command must be tested or justified here.
 */
@Timeout(600)
class DocCommandsIT {
  /** First words that make a code-block line a shell command. */
  static final Set<String> PROGRAMS = Set.of("./sshrpc", "sshrpc", "./sshrpc-bench.sh", "ssh", "ssh-keygen",
      "ssh-keyscan", "mvn", "erl", "java", "mkdir", "echo", "chmod", "cat", "cp", "install", "printf",
      "systemctl", "journalctl", "apt-get", "sudo", "curl", "[", "cd", "rebar3", "erlc", "hyperfine", "sed", "grep",
      "kill", "export");

  private static final String OTHER_HOSTS = "addresses hosts (db1, erl1, node1...) the test does not have";
  private static final String BENCH = "a benchmark run of minutes; run by hand or in the bench module's ITs";
  private static final String BUILD = "runs Maven on the project itself; the build that runs this test already does it";

  /** Commands shown in the docs that this test does not run: "file: command" to the reason. */
  static final Map<String, String> NOT_RUN = notRun(
      "README.md: ./sshrpc demo", "the seed's 10,000-call benchmark; DemoCommand is covered by MainTest and LauncherIT",
      "README.md: mvn -B verify", BUILD,
      "README.md: ./sshrpc multicall --timeout 2000 alice@db1 alice@db2 'sshrpc:info()'", OTHER_HOSTS,
      "docs/cli.md: sshrpc call db1 'lists:seq(1, 3)'", OTHER_HOSTS + " (an ~/.ssh/config alias to 10.0.0.5)",
      "docs/cli.md: sshrpc call -p 2300 db1 'sshrpc:ping()'", OTHER_HOSTS + " (an ~/.ssh/config alias to 10.0.0.5)",
      "docs/cli.md: sshrpc serve --limits /etc/sshrpc/limits.conf --limit maxSessions=200", "reads /etc/sshrpc/limits.conf; ServeOpsIT runs --limits and --limit",
      "docs/client.md: mvn -B -o -pl sshrpc-core dependency:tree -Dscope=runtime", BUILD,
      "docs/client.md: mvn -B -q -pl sshrpc-core test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt", BUILD,
      "docs/erlang.md: cd erlang/sshrpc && rebar3 compile && rebar3 eunit", "the Erlang build of the repository; .ci/run runs it before Maven, the erlang ITs use what it builds",
      "docs/performance.md: hyperfine --warmup 1 --runs 10 -n 'ssh -s (one frame)' \"ssh -s -p 22999 -i id_ed25519 -o UserKnownHostsFile=kh -o BatchMode=yes 127.0.0.1 sshrpc@k2r.org < frame.bin > /dev/null\" -n 'before: java -jar sshrpc.jar call' \"java -jar sshrpc-cli/target/sshrpc.jar call -i id_ed25519 --known-hosts kh 127.0.0.1:22999 'lists:seq(1,10)'\" -n 'after: ./sshrpc call' \"./sshrpc call -i id_ed25519 --known-hosts kh 127.0.0.1:22999 'lists:seq(1,10)'\"", BENCH + " (needs hyperfine and a server set up as the text describes)",
      "docs/erlang.md: erl -pa erlang/sshrpc/_build/default/lib/sshrpc/ebin", "an interactive Erlang shell; ErlangServerCliIT and the erlang ITs run the application",
      "docs/erlang.md: ./sshrpc call alice@erlhost:2222 'inventory:count(shelf_3)'", OTHER_HOSTS,
      "docs/erlang.md: ./sshrpc multicall --timeout 2000 alice@erl1:2222 alice@erl2:2222 'lists:seq(1, 3)'", OTHER_HOSTS,
      "docs/limits.md: mvn -B -q -pl sshrpc-core -am test-compile", BUILD,
      "docs/limits.md: java -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp sshrpc-core/target/test-classes:sshrpc-core/target/classes:$(mvn -q -pl sshrpc-core dependency:build-classpath -Dmdep.outputFile=/dev/stdout) org.sshrpc.server.ServerFuzzTest --run SECONDS SEED", "a fuzz run of SECONDS over the project's test classes; ServerFuzzTest runs it briefly in the build",
      "docs/client.md: java -cp sshrpc-core/target/test-classes:sshrpc-core/target/classes:$(cat sshrpc-core/cp.txt) org.sshrpc.client.PipelinedRunMain 100000", BENCH,
      "docs/performance.md: mvn -B -q -pl sshrpc-bench -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/cp.txt", BUILD,
      "docs/performance.md: java -cp sshrpc-bench/target/classes:$(cat sshrpc-bench/target/cp.txt) org.openjdk.jmh.Main CodecBench -f 1 -wi 3 -w 1 -i 5 -r 1 -prof gc", BENCH,
      "docs/performance.md: java -cp sshrpc-bench/target/classes:$(cat sshrpc-bench/target/cp.txt) org.sshrpc.bench.codec.CodecCpuTime 10", BENCH,
      "docs/performance.md: java -Xmx2g -jar sshrpc-bench/target/sshrpc-bench.jar --quick --runs 3 --workloads seq,pipelined --peers sshrpc,erlang-seed,erlapp-client,sshrpc-client-erlapp,erlang-client,sshrpc-client-erl", BENCH,
      "docs/operations.md: ssh-keyscan -t ed25519 -p 2222 db1.example.com >> ~/.ssh/known_hosts", OTHER_HOSTS,
      "docs/operations.md: ssh-keygen -lf ~/.ssh/known_hosts -F '[db1.example.com]:2222'", OTHER_HOSTS,
      "docs/operations.md: mvn -B -q -pl sshrpc-cli -am package -DskipTests", BUILD,
      "docs/operations.md: install -D -m 0644 sshrpc-cli/target/sshrpc.jar /opt/sshrpc/sshrpc.jar", "installs as root under /opt and /etc",
      "docs/operations.md: install -D -m 0644 dist/sshrpc.service /etc/systemd/system/sshrpc.service", "installs as root under /etc",
      "docs/operations.md: install -d -m 0755 /etc/sshrpc", "installs as root under /etc",
      "docs/operations.md: install -m 0644 ~/authorized_keys_for_sshrpc /etc/sshrpc/authorized_keys", "installs as root under /etc",
      "docs/operations.md: install -m 0644 my-policy.conf /etc/sshrpc/policy.conf", "installs as root under /etc",
      "docs/operations.md: systemctl daemon-reload", "needs systemd as root",
      "docs/operations.md: systemctl enable --now sshrpc", "needs systemd as root",
      "docs/operations.md: journalctl -u sshrpc -n 20", "needs the systemd journal",
      "docs/operations.md: journalctl -u sshrpc | grep ' call ' | grep -v 'status=ok'", "needs the systemd journal",
      "docs/operations.md: journalctl -u sshrpc | grep auth_failed", "needs the systemd journal",
      "docs/operations.md: sshrpc stats -i ~/.ssh/ops_ed25519 ops@node1.example:2222", OTHER_HOSTS,
      "docs/operations.md: sshrpc stats -i /etc/prometheus/sshrpc_key prometheus@node1:2222 > /var/lib/node_exporter/sshrpc.prom.$$ && mv /var/lib/node_exporter/sshrpc.prom.$$ /var/lib/node_exporter/sshrpc.prom", OTHER_HOSTS,
      "docs/fleets.md: sshrpc call -v --resolver 10.0.0.53 dns:///inventory.prod.example 'inventory:lookup(<<\"sku-1\">>)'", OTHER_HOSTS + " (a DNS fleet; FleetCliIT runs dns:/// targets against a test resolver)",
      "docs/fleets.md: sshrpc multicall srv:///_sshrpc._tcp.inventory.prod.example 'sshrpc:info()'", OTHER_HOSTS + " (a DNS fleet; FleetCliIT runs srv:/// targets against a test resolver)",
      "docs/fleets.md: sshrpc stats -i ~/.ssh/ops_ed25519 --resolver 10.0.0.53 dns:///inventory.prod.example", OTHER_HOSTS + " (a DNS fleet; FleetCliIT runs stats over a two-server fleet)",
      "docs/fleets.md: sshrpc bench --target srv:///_sshrpc._tcp.inventory.prod.example --connections 2 --in-flight 16 --duration 30 'sshrpc:ping()'", OTHER_HOSTS + " (a DNS fleet; FleetCliIT runs bench --target over a two-server fleet)",
      "docs/fleets.md: ssh-keygen -s ca -I replica-1 -h -n 10.1.4.17,replica-1.prod.example -V -5m:+52w host_ed25519.pub", "signs a replica's host key, which is on the replica",
      "docs/fleets.md: sshrpc serve --host-key host_ed25519 --host-certificate host_ed25519-cert.pub ...", "elides the replica's other options (\"...\")",
      "docs/fleets.md: sshrpc call --resolver 127.0.0.1:8600 srv:///_inventory._tcp.service.consul 'inventory:count()'", "needs a Consul agent",
      "docs/performance.md: mvn -B -q -pl sshrpc-bench -am package -DskipTests", BUILD,
      "docs/performance.md: java -Xmx1g -jar sshrpc-bench/target/sshrpc-bench.jar fleet --calls 20000 --runs 6", BENCH,
      "docs/performance.md: ./sshrpc-bench.sh --markdown bench.md", BENCH,
      "docs/performance.md: ./sshrpc bench --target alice@db1:2222 --connections 4 --in-flight 16 --duration 30 --warmup 10000 'lists:seq(1,100)'", OTHER_HOSTS,
      "docs/performance.md: ./sshrpc-bench.sh longhaul --runs 3 --markdown longhaul.md", BENCH);

  private static Map<String, String> notRun(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  /** A command shown in a page: where, its text, its documented output. */
  record DocCommand(String file, int line, String text, List<String> output) {
    String where() {
      return file + ":" + line;
    }

    String key() {
      return file + ": " + stripComment(text).replaceAll("\\s*\\\\\\n\\s*", " ");
    }

    int expectedExit() {
      Matcher m = Pattern.compile("#\\s*exit (\\d+)\\s*$").matcher(text);
      return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** A synopsis ({@code sshrpc call [connection options] ... [--timeout MS] ...}) is not run. */
    boolean isSynopsis() {
      return text.matches("(?s).*\\s\\[(-|connection options|USER@).*");
    }

    boolean isServe() {
      return text.matches("(\\./)?sshrpc serve .*");
    }
  }

  private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*(\\w*).*$");

  /** The commands of one page, in order. */
  static List<DocCommand> extract(String file, List<String> lines) {
    List<DocCommand> out = new ArrayList<>();
    boolean inFence = false;
    boolean shellFence = false;
    boolean prevBlank = true;
    boolean inIndented = false;
    DocCommand current = null;
    for (int i = 0; i < lines.size(); i++) {
      String raw = lines.get(i);
      Matcher f = FENCE.matcher(raw);
      if (f.matches()) {
        if (!inFence) {
          inFence = true;
          shellFence = Set.of("", "sh", "console", "shell", "bash").contains(f.group(1));
        } else {
          inFence = false;
        }
        current = null;
        prevBlank = false;
        continue;
      }
      String body;
      if (inFence) {
        if (!shellFence) {
          continue;
        }
        body = raw.strip();
      } else {
        boolean indented = raw.startsWith("    ") || raw.startsWith("\t");
        if (raw.isBlank()) {
          prevBlank = true;
          continue; // a blank line inside an indented block keeps the block going
        }
        if (indented && (prevBlank || inIndented)) {
          inIndented = true;
          body = raw.strip();
        } else {
          inIndented = false;
          current = null;
          prevBlank = false;
          continue;
        }
        prevBlank = false;
      }
      if (body.startsWith("$ ")) {
        body = body.substring(2);
      }
      String[] words = body.split("\\s+", 3);
      // "sshrpc serve: ready on ..." is what a command prints, not a command
      boolean printed = words.length > 1 && words[0].endsWith("sshrpc") && words[1].endsWith(":");
      if (PROGRAMS.contains(words[0]) && !printed) {
        int start = i + 1;
        StringBuilder text = new StringBuilder(body);
        while (text.toString().endsWith("\\") && i + 1 < lines.size()) {
          text.append('\n').append(lines.get(++i).strip());
        }
        if (text.toString().matches("(?s).*<<\\s*'?EOF'?.*")) {
          while (i + 1 < lines.size()) {
            String l = lines.get(++i).strip();
            text.append('\n').append(l);
            if (l.equals("EOF")) {
              break;
            }
          }
        }
        current = new DocCommand(file, start, text.toString(), new ArrayList<>());
        out.add(current);
      } else if (current != null && !body.isEmpty()) {
        current.output().add(body);
      }
    }
    return out;
  }

  static String stripComment(String text) {
    // a trailing "  # ..." comment on a line (documentation, not part of the command); a
    // continuation's "\\" before such a comment stays
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      lines[i] = lines[i].replaceFirst("\\s{2,}#.*$", "").strip();
    }
    return String.join("\n", lines);
  }

  @TempDir Path dir;

  @Test
  void everyDocCommandRunsAsWrittenOrIsListed() throws Exception {
    Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    Path repo = basedir.getParent();
    Path jar = basedir.resolve("target/sshrpc.jar");
    assertTrue(Files.isRegularFile(jar), jar + " is missing: run through mvn verify (package builds it)");

    List<Path> pages = new ArrayList<>();
    pages.add(repo.resolve("README.md"));
    try (Stream<Path> s = Files.list(repo.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    List<String> failures = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    Path cache = Files.createDirectories(dir.resolve("cache"));
    for (Path page : pages) {
      String file = repo.relativize(page).toString();
      List<DocCommand> cmds = extract(file, Files.readAllLines(page, StandardCharsets.UTF_8));
      List<DocCommand> toRun = new ArrayList<>();
      for (DocCommand c : cmds) {
        seen.add(c.key());
        if (!NOT_RUN.containsKey(c.key()) && !c.isSynopsis()) {
          toRun.add(c);
        }
      }
      if (!toRun.isEmpty()) {
        runPage(file, toRun, basedir, jar, cache, failures);
      }
    }
    for (String k : NOT_RUN.keySet()) {
      if (!seen.contains(k)) {
        failures.add("DocCommandsIT.NOT_RUN lists \"" + k + "\", which no page shows any more: remove it");
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " doc command(s) failed (a command neither run nor wanted must be added to "
          + "DocCommandsIT.NOT_RUN with its reason):\n" + String.join("\n", failures));
    }
  }

  private void runPage(String file, List<DocCommand> cmds, Path basedir, Path jar, Path cache, List<String> failures)
      throws Exception {
    Path sandbox = Files.createDirectories(dir.resolve(file.replace('/', '_')));
    Path launcher = Files.copy(basedir.resolve("../sshrpc"), sandbox.resolve("sshrpc"));
    assertTrue(launcher.toFile().setExecutable(true));
    Files.copy(jar, Files.createDirectories(sandbox.resolve("sshrpc-cli/target")).resolve("sshrpc.jar"));
    Path home = Files.createDirectories(sandbox.resolve("home"));
    Path ssh = Files.createDirectories(home.resolve(".ssh"));
    Path key = ssh.resolve("id_ed25519");
    // an unencrypted ed25519 key in OpenSSH format, mode 0600, and its .pub (README cats it)
    Files.writeString(ssh.resolve("id_ed25519.pub"),
        org.sshrpc.auth.HostKeys.loadOrGenerate(key).publicKeyLine() + " alice@docs\n");
    if (!file.equals("README.md")) {
      Path sshrpcDir = Files.createDirectories(home.resolve(".sshrpc"));
      Files.writeString(sshrpcDir.resolve("authorized_keys"),
          "sshrpc-user=\"alice\" " + Files.readString(ssh.resolve("id_ed25519.pub")));
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOME", home.toString());
    env.put("XDG_CACHE_HOME", cache.toString());
    env.put("PATH", sandbox + ":" + System.getenv("PATH"));
    env.put("SSHRPC_JAVA_OPTS", "-Duser.home=" + home);

    String docPort = "2222";
    for (DocCommand c : cmds) {
      Matcher m = Pattern.compile("--listen\\s+'?\\S*:(\\d+)").matcher(c.text());
      if (c.isServe() && m.find()) {
        docPort = m.group(1);
        break;
      }
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String from = docPort;
    String to = String.valueOf(port);
    List<Process> servers = new ArrayList<>();
    try {
      if (cmds.stream().noneMatch(DocCommand::isServe)) {
        String dflt = ("./sshrpc serve --listen 127.0.0.1:2222 --listen '[::1]:2222'").replace(":2222", ":" + to);
        String err = startServer(sandbox, env, dflt, servers);
        if (err != null) {
          failures.add(file + ": the default server (" + dflt + ") " + err);
          return;
        }
        // its host key is known, as after the README's first --accept-new-host
        String hostKey = org.sshrpc.auth.HostKeys.loadOrGenerate(home.resolve(".sshrpc/host_ed25519")).publicKeyLine();
        Files.writeString(ssh.resolve("known_hosts"),
            "[127.0.0.1]:" + to + " " + hostKey + "\n[::1]:" + to + " " + hostKey + "\n");
      }
      for (DocCommand c : cmds) {
        String cmd = stripComment(c.text()).replace(":" + from, ":" + to);
        if (c.isServe()) {
          String err = startServer(sandbox, env, cmd, servers);
          if (err != null) {
            failures.add(c.where() + ": `" + cmd + "` " + err);
          }
          continue;
        }
        String[] r = exec(sandbox, env, List.of("bash", "-c", cmd), 60);
        System.out.println(c.where() + ": ran `" + cmd + "`: exit " + r[0]);
        int code = Integer.parseInt(r[0]);
        if (code != c.expectedExit()) {
          failures.add(c.where() + ": `" + cmd + "` exited " + code + " (documented: " + c.expectedExit()
              + ")\n    stdout: " + r[1].strip().replace("\n", "\n            ")
              + "\n    stderr: " + r[2].strip().replace("\n", "\n            "));
          continue;
        }
        String mismatch = matchOutput(c.output().stream().map(l -> l.replace(":" + from, ":" + to)).toList(),
            (r[1] + r[2]).lines().toList());
        if (mismatch != null) {
          failures.add(c.where() + ": `" + cmd + "` " + mismatch + "\n    printed: "
              + (r[1] + r[2]).strip().replace("\n", "\n             "));
        }
      }
    } finally {
      for (Process p : servers) {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  /**
   * Java blocks ({@code ```java} fences) compiled against sshrpc-core. A block's leading type
   * declarations (an annotation or {@code class}/{@code interface}/{@code record} line up to its
   * closing brace at column 0) become nested types; the rest becomes the body of a method of a
   * class whose fields are {@link #JAVA_CONTEXT}: the names the docs use without declaring them
   * ({@code home}, {@code key}, {@code conn}, ...). A line holding only {@code ...}, or {@code (...)}
   * in a call, marks text the doc leaves out: such a block is listed in {@link #JAVA_NOT_COMPILED}.
   */
  @Test
  void everyJavaSnippetCompiles() throws Exception {
    Path repo = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    List<Path> pages = new ArrayList<>();
    pages.add(repo.resolve("README.md"));
    try (Stream<Path> s = Files.list(repo.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    List<String> failures = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    Path src = Files.createDirectories(dir.resolve("snippets/org/sshrpc/docsnippets"));
    List<Path> sources = new ArrayList<>();
    Map<String, String> classToWhere = new LinkedHashMap<>();
    sources.add(Files.writeString(src.resolve("DocTypes.java"), JAVA_CONTEXT_TYPES));
    for (Path page : pages) {
      String file = repo.relativize(page).toString();
      List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        if (!lines.get(i).strip().equals("```java")) {
          continue;
        }
        int start = i + 2;
        List<String> body = new ArrayList<>();
        while (++i < lines.size() && !lines.get(i).strip().startsWith("```")) {
          body.add(lines.get(i));
        }
        String where = file + ":" + start;
        seen.add(where);
        if (JAVA_NOT_COMPILED.containsKey(where)) {
          continue;
        }
        String name = "Snippet" + classToWhere.size();
        classToWhere.put(name, where);
        sources.add(Files.writeString(src.resolve(name + ".java"), wrap(name, start, body)));
      }
    }
    for (String k : JAVA_NOT_COMPILED.keySet()) {
      if (!seen.contains(k)) {
        failures.add("DocCommandsIT.JAVA_NOT_COMPILED lists " + k + ", where no ```java block starts any more: update it");
      }
    }
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    javax.tools.DiagnosticCollector<javax.tools.JavaFileObject> diags = new javax.tools.DiagnosticCollector<>();
    try (javax.tools.StandardJavaFileManager fm = javac.getStandardFileManager(diags, null, StandardCharsets.UTF_8)) {
      Path classes = Files.createDirectories(dir.resolve("snippet-classes"));
      javac.getTask(null, fm, diags,
          List.of("-proc:none", "-d", classes.toString(), "-cp", System.getProperty("java.class.path")),
          null, fm.getJavaFileObjectsFromPaths(sources)).call();
    }
    for (javax.tools.Diagnostic<? extends javax.tools.JavaFileObject> d : diags.getDiagnostics()) {
      if (d.getKind() != javax.tools.Diagnostic.Kind.ERROR) {
        continue;
      }
      String cls = Path.of(d.getSource().getName()).getFileName().toString().replace(".java", "");
      // each snippet line is written on the doc's own line number (see wrap)
      String where = classToWhere.getOrDefault(cls, "DocCommandsIT.JAVA_CONTEXT_TYPES:1");
      failures.add(where.substring(0, where.indexOf(':')) + ":" + d.getLineNumber() + " (```java block at " + where
          + "): " + d.getMessage(java.util.Locale.ROOT));
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " Java snippet error(s) (context fields: DocCommandsIT.JAVA_CONTEXT):\n"
          + String.join("\n", failures));
    }
  }

  /** Names the docs' Java snippets use without declaring them, as fields of the wrapping class. */
  static final String JAVA_CONTEXT = String.join(" ",
      "String home = System.getProperty(\"user.home\");",
      "Path key = Path.of(home, \".ssh/id_ed25519\");",
      "Path path = Path.of(\"policy.conf\");",
      "String fp = \"SHA256:...\";",
      "Map<String, Long> stock = new HashMap<>();",
      "RpcClient client; RpcConnection conn;",
      "org.apache.sshd.server.SshServer sshServer;");

  /** Types the docs' Java snippets use without declaring them (a snippet's own declaration wins). */
  static final String JAVA_CONTEXT_TYPES = "package org.sshrpc.docsnippets; import org.sshrpc.client.*; "
      + "public class DocTypes { @RemoteModule(\"inventory\") public interface Inventory { long count(String sku); } }";

  /** Java blocks (file:first line) not compiled, with why. */
  static final Map<String, String> JAVA_NOT_COMPILED = notRun(
      "docs/limits.md:9", "elides the rest of the builder (\"...\")",
      "docs/policy.md:212", "elides arguments (\"allows(...)\")");

  /** A compilation unit whose snippet lines keep their line numbers in the page. */
  static String wrap(String name, int firstLine, List<String> body) {
    List<String> types = new ArrayList<>();
    List<String> statements = new ArrayList<>();
    boolean inType = false;
    for (String l : body) {
      if (!inType && statements.stream().allMatch(String::isBlank)
          && l.matches("(@\\w+.*|(public |final |abstract )*(class|interface|record|enum) .*)")) {
        inType = true;
      }
      if (inType) {
        types.add(l.replaceFirst("^public ", "")); // an inner type: it sees the context fields
        statements.add("");
        if (l.equals("}")) {
          inType = false;
        }
      } else {
        types.add("");
        statements.add(l);
      }
    }
    StringBuilder sb = new StringBuilder();
    String header = "package org.sshrpc.docsnippets; import java.nio.file.*; import java.time.*; import java.util.*; "
        + "import java.util.concurrent.*; import org.sshrpc.*; import org.sshrpc.client.*; import org.sshrpc.server.*; "
        + "import org.sshrpc.auth.*; import org.sshrpc.acl.*; import org.sshrpc.term.*; import org.sshrpc.docsnippets.DocTypes.*; "
        + "@SuppressWarnings(\"all\") class " + name + " { " + JAVA_CONTEXT;
    sb.append(header);
    // line 1 is the header; pad so that the block's line k lands on the page's line firstLine + k
    for (int k = 1; k < firstLine; k++) {
      sb.append('\n');
    }
    int n = body.size();
    int first = firstStatement(statements);
    for (int k = 0; k < n; k++) {
      if (k == first) {
        sb.append(" void snippet() throws Exception { ");
      }
      sb.append(k < first || first < 0 ? types.get(k) : statements.get(k)).append('\n');
    }
    if (first >= 0) {
      sb.append(" }");
    }
    sb.append(" }\n");
    return sb.toString();
  }

  private static int firstStatement(List<String> statements) {
    for (int k = 0; k < statements.size(); k++) {
      if (!statements.get(k).isBlank()) {
        return k;
      }
    }
    return -1;
  }

  /** Documented lines must appear in order among the printed ones; "..." matches anything. */
  static String matchOutput(List<String> documented, List<String> printed) {
    int at = 0;
    for (String d : documented) {
      Pattern p = Pattern.compile(Stream.of(d.split("\\.\\.\\.", -1)).map(Pattern::quote)
          .collect(Collectors.joining(".*")));
      boolean found = false;
      while (at < printed.size()) {
        if (p.matcher(printed.get(at++).strip()).matches()) {
          found = true;
          break;
        }
      }
      if (!found) {
        return "did not print the documented line \"" + d + "\"";
      }
    }
    return null;
  }

  /** Starts a server command in the background; null once it printed "ready on", else why not. */
  private static String startServer(Path cwd, Map<String, String> env, String cmd, List<Process> servers)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(cwd, "serve", ".log");
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "exec " + cmd).directory(cwd.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    servers.add(p);
    for (int i = 0; i < 600; i++) {
      String out = Files.readString(log);
      if (out.contains("ready on")) {
        return null;
      }
      if (!p.isAlive()) {
        return "exited " + p.exitValue() + " before it was ready: " + out.strip();
      }
      Thread.sleep(100);
    }
    return "was not ready within 60 s: " + Files.readString(log).strip();
  }

  /** Runs a command; returns {exit code, stdout, stderr}. */
  private static String[] exec(Path cwd, Map<String, String> env, List<String> cmd, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(cwd, "out", ".txt");
    Path err = Files.createTempFile(cwd, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new String[] {"124", Files.readString(out), Files.readString(err) + "\n(timed out after " + timeoutSeconds + " s)"};
    }
    return new String[] {String.valueOf(p.exitValue()), Files.readString(out), Files.readString(err)};
  }
}
