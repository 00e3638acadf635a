package org.sshrpc.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Erlang peers: the escripts shipped in this module's resources (a v1 server and a v1 client
 * on OTP's {@code ssh}), copied out next to the run's keys and started with {@code escript}.
 */
final class Erlang {
  private Erlang() {}

  static boolean available() {
    return onPath("escript");
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  static Path script(BenchKeys keys, String name) throws IOException {
    Path p = keys.dir.resolve(name);
    if (!Files.exists(p)) {
      try (InputStream in = Erlang.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IOException("resource " + name + " missing from the bench jar");
        }
        Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return p;
  }

  /** Starts the v1 server escript; the run's directory holds its host key and authorized_keys. */
  static ServerProcess server(BenchKeys keys) throws IOException {
    Path s = script(keys, "sshrpc_bench_server.escript");
    return ServerProcess.start("erlang", List.of("escript", s.toString(), keys.dir.toString(), keys.dir.toString()), true, 0);
  }

  /**
   * The Erlang application of this repository ({@code erlang/sshrpc}, found upwards from the
   * working directory), compiled with {@code erlc} into the run's directory.
   */
  static Path appEbin(BenchKeys keys) throws IOException, InterruptedException {
    Path ebin = keys.dir.resolve("sshrpc-ebin");
    if (Files.isRegularFile(ebin.resolve("sshrpc.app"))) {
      return ebin;
    }
    Path src = null;
    for (Path d = Path.of("").toAbsolutePath(); d != null && src == null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("erlang/sshrpc/src/sshrpc.app.src"))) {
        src = d.resolve("erlang/sshrpc/src");
      }
    }
    if (src == null) {
      throw new IOException("erlang/sshrpc not found above " + Path.of("").toAbsolutePath() + " (run from the repository)");
    }
    Files.createDirectories(ebin);
    List<String> cmd = new ArrayList<>(List.of("erlc", "-o", ebin.toString()));
    try (var files = Files.newDirectoryStream(src, "*.erl")) {
      files.forEach(f -> cmd.add(f.toString()));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("erlc failed: " + out);
    }
    Files.copy(src.resolve("sshrpc.app.src"), ebin.resolve("sshrpc.app"), StandardCopyOption.REPLACE_EXISTING);
    return ebin;
  }

  /** Starts the Erlang application's server (v1 and v2) exporting lists:seq/2 and bench:echo/1. */
  static ServerProcess appServer(BenchKeys keys) throws IOException, InterruptedException {
    Path s = script(keys, "sshrpc_app_bench_server.escript");
    return ServerProcess.start("erlang-app", List.of("escript", s.toString(), keys.dir.toString(), keys.dir.toString(),
        appEbin(keys).toString()), true, 0);
  }

  /**
   * An Erlang client escript against a server: the seed's v1 client on OTP ssh ({@code
   * sshrpc_bench_client.escript}), or the Erlang application's client ({@code
   * sshrpc_app_bench_client.escript}, given the application's ebin).
   */
  static final class ClientSubject implements Subject {
    private final String name;
    private final String description;
    private final ServerProcess server;
    private final Path script;
    private final BenchKeys keys;
    private final List<String> extra;

    ClientSubject(String name, String description, ServerProcess server, BenchKeys keys) throws IOException {
      this(name, description, server, keys, "sshrpc_bench_client.escript", List.of());
    }

    ClientSubject(String name, String description, ServerProcess server, BenchKeys keys, String script, List<String> extra)
        throws IOException {
      this.name = name;
      this.description = description;
      this.server = server;
      this.keys = keys;
      this.script = script(keys, script);
      this.extra = extra;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String description() {
      return description;
    }

    @Override
    public boolean supports(Workload w) {
      return switch (w) {
        case SEQ, PIPELINED, ECHO_1K, ECHO_1K_PIPELINED, BULK -> true;
        default -> false;
      };
    }

    @Override
    public Result run(Workload w, boolean quick) throws Exception {
      int n = w.count(quick);
      String kind = w == Workload.SEQ || w == Workload.PIPELINED ? "seq" : "echo";
      int size = w == Workload.BULK ? 16 << 20 : 1024;
      int inFlight = w == Workload.PIPELINED || w == Workload.ECHO_1K_PIPELINED ? Workload.IN_FLIGHT : 1;
      int warm = Math.max(1, Math.min(n / 5, w == Workload.PIPELINED || w == Workload.ECHO_1K_PIPELINED ? 20_000 : 2_000));
      List<String> cmd = new ArrayList<>(List.of("escript", script.toString(), Integer.toString(server.port()), keys.dir.toString()));
      cmd.addAll(extra);
      cmd.addAll(List.of(kind, Integer.toString(size), Integer.toString(n), Integer.toString(inFlight), Integer.toString(warm)));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      List<String> output = new ArrayList<>();
      long server0 = -1;
      long server1 = -1;
      String result = null;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.equals("START")) {
            server0 = server.cpuNanos();
          } else if (line.startsWith("RESULT ")) {
            server1 = server.cpuNanos();
            result = line;
          } else if (output.size() < 50) {
            output.add(line);
          }
        }
      } finally {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      if (result == null) {
        throw new IOException("Erlang client gave no result (exit " + p.exitValue() + "): " + String.join(" / ", output));
      }
      String[] f = result.split(" ");
      long calls = Long.parseLong(f[1]);
      double seconds = Long.parseLong(f[2]) / 1e6;
      double clientCpuUs = Long.parseLong(f[5]) * 1e3 / calls;
      double serverCpuUs = server0 < 0 ? Double.NaN : (server1 - server0) / 1e3 / calls;
      double value = calls / seconds;
      String note = "";
      if (w == Workload.BULK) {
        value = value * size / 1e6;
        note = "MB = 10^6 bytes of message per round trip";
      }
      return new Result(value, Double.parseDouble(f[3]), Double.parseDouble(f[4]), clientCpuUs, serverCpuUs, note);
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
