package org.sshrpc.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Erlang application in {@code erlang/sshrpc}, compiled with {@code erlc} into a temporary
 * directory (once per JVM) for interop tests, and the escripts that run it: a server on loopback
 * ({@link Server}) and a client that runs its checks against a server ({@link #runClient}).
 */
public final class ErlangApp {
  private static Path ebin;

  private ErlangApp() {}

  /** The repository's {@code erlang/sshrpc}, found upwards from the module directory. */
  public static Path sourceDir() {
    Path p = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    for (Path d = p; d != null; d = d.getParent()) {
      Path app = d.resolve("erlang/sshrpc");
      if (Files.isRegularFile(app.resolve("src/sshrpc.app.src"))) {
        return app;
      }
    }
    throw new AssertionError("erlang/sshrpc not found above " + p);
  }

  /**
   * The directory holding the compiled application (and the test module {@code
   * sshrpc_test_funs}); compiled on first use with {@code erlc}, so a clean clone needs no
   * rebar3 build first.
   */
  public static synchronized Path ebin() throws Exception {
    if (ebin != null) {
      return ebin;
    }
    String erlc = Tools.requireTool("erlc");
    Path src = sourceDir();
    Path out = Files.createTempDirectory("sshrpc-erlang-ebin");
    List<String> cmd = new ArrayList<>(List.of(erlc, "-o", out.toString()));
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(src.resolve("src"), "*.erl")) {
      ds.forEach(f -> cmd.add(f.toString()));
    }
    cmd.add(src.resolve("test/sshrpc_test_funs.erl").toString());
    run(cmd);
    // The .app file: the .app.src as it is (application:load needs no module list).
    Files.copy(src.resolve("src/sshrpc.app.src"), out.resolve("sshrpc.app"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(out)));
    ebin = out;
    return out;
  }

  /** Generates an ed25519 key pair {@code dir/name} and {@code dir/name.pub} with ssh-keygen. */
  public static Path keygen(Path dir, String name) throws Exception {
    Files.createDirectories(dir);
    Path key = dir.resolve(name);
    run(List.of(Tools.requireTool("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString()));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    return key;
  }

  /** The public key line of {@code key} ({@code key.pub}) without its comment. */
  public static String publicLine(Path key) throws IOException {
    String[] parts = Files.readString(key.resolveSibling(key.getFileName() + ".pub")).trim().split("\\s+");
    return parts[0] + " " + parts[1];
  }

  /** What a client escript printed and its exit status. */
  public record Output(int exitCode, String text) {
    /** True if the check {@code name} printed {@code ok name}. */
    public boolean passed(String name) {
      return text.contains("ok " + name + "\n");
    }
  }

  /**
   * Runs {@code sshrpc_app_client.escript} against {@code 127.0.0.1:port}: target {@code java}
   * or {@code erlang} (the application's client and its checks for that kind of server) or
   * {@code raw_v1} (the seed's v1 requests from a bare OTP ssh client). {@code userDir} holds
   * the client's {@code id_ed25519}.
   */
  public static Output runClient(Path dir, String target, int port, Path userDir, String user) throws Exception {
    String escript = Tools.requireTool("escript");
    Path script = resource(dir, "sshrpc_app_client.escript");
    Process p =
        new ProcessBuilder(escript, script.toString(), ebin().toString(), target, Integer.toString(port),
                userDir.toString(), user)
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
      try (InputStream in = p.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "read failed: " + e;
      }
    });
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("escript did not finish in 90 s:\n" + out.getNow(""));
    }
    String text = out.get(10, TimeUnit.SECONDS);
    System.out.println("[erlang client " + target + "]\n" + text);
    return new Output(p.exitValue(), text);
  }

  private static Path resource(Path dir, String name) throws IOException {
    Path script = dir.resolve(name);
    try (InputStream in = ErlangApp.class.getResourceAsStream("/erlang/" + name)) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    return script;
  }

  /**
   * The application's server ({@code sshrpc_app_server.escript}) on a loopback port: exports
   * {@code sshrpc_test_funs:*} (its {@code secret/0} denied by the policy) and {@code
   * lists:seq/2, sum/1, nth/2}. Stopped by closing its standard input, or killed by {@link
   * #kill()}.
   */
  public static final class Server implements AutoCloseable {
    public final Path hostKey;
    public final int port;
    private final Process process;

    private Server(Path hostKey, int port, Process process) {
      this.hostKey = hostKey;
      this.port = port;
      this.process = process;
    }

    /** Starts a server in {@code dir} admitting the public keys of {@code clientKeys}. */
    public static Server start(Path dir, Path... clientKeys) throws Exception {
      String escript = Tools.requireTool("escript");
      Path sys = Files.createDirectories(dir.resolve("system"));
      Path user = Files.createDirectories(dir.resolve("user"));
      Path hostKey = sys.resolve("ssh_host_ed25519_key");
      if (!Files.exists(hostKey)) {
        keygen(sys, "ssh_host_ed25519_key");
      }
      StringBuilder auth = new StringBuilder();
      for (Path k : clientKeys) {
        auth.append(publicLine(k)).append('\n');
      }
      Files.writeString(user.resolve("authorized_keys"), auth);
      Path script = resource(dir, "sshrpc_app_server.escript");
      Process p =
          new ProcessBuilder(escript, script.toString(), ebin().toString(), sys.toString(), user.toString())
              .redirectErrorStream(true)
              .start();
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      CompletableFuture<Integer> port = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("PORT ") && !port.isDone()) {
              port.complete(Integer.parseInt(line.substring(5).trim()));
            } else {
              System.err.println("[erlang sshrpc server] " + line);
            }
          }
        } catch (IOException e) {
          // the process ended
        }
        port.completeExceptionally(new IOException("erlang sshrpc server exited before listening"));
      }, "erlang-sshrpc-server-output");
      t.setDaemon(true);
      t.start();
      try {
        return new Server(hostKey, port.get(60, TimeUnit.SECONDS), p);
      } catch (Exception e) {
        p.destroyForcibly();
        throw e;
      }
    }

    /** A known_hosts file trusting this server's host key on 127.0.0.1. */
    public Path knownHosts(Path file) throws IOException {
      Files.writeString(file, "[127.0.0.1]:" + port + " " + publicLine(hostKey) + "\n");
      return file;
    }

    /** Kills the server at once (its connections drop without a goodbye). */
    public void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      process.getOutputStream().close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  private static void run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(cmd.get(0) + " failed: " + out);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort at exit
    }
  }
}
