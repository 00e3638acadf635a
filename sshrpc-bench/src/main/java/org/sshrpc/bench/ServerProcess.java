package org.sshrpc.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server run as a child process (a JVM running {@link ServerMain}, an Erlang escript or an
 * OpenSSH {@code sshd}), so that its CPU time and memory are its own. Child protocol: it prints
 * {@code PORT <n>} once listening; on a {@code heap} line on stdin it prints {@code HEAP <bytes>}
 * (after a full GC); it exits when stdin closes.
 */
final class ServerProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final OutputStream stdin;
  private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(1024);
  private final int port;
  private final boolean answersHeap;
  /**
   * Maps a new server's listening port to the port its clients use; identity except in the
   * long-haul run ({@link LongHaul}), which puts a {@link DelayProxy} in front of every server.
   */
  static volatile java.util.function.IntUnaryOperator route = java.util.function.IntUnaryOperator.identity();

  private ServerProcess(String name, Process process, boolean answersHeap, int fixedPort) throws IOException {
    this.name = name;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.answersHeap = answersHeap;
    Thread t = new Thread(this::pump, "server-out-" + name);
    t.setDaemon(true);
    t.start();
    this.port = route.applyAsInt(fixedPort > 0 ? fixedPort : Integer.parseInt(await("PORT ", 60).trim()));
  }

  /** Starts {@code ServerMain kind args...} in a new JVM with a 512 MiB heap. */
  static ServerProcess java(String kind, List<String> args, List<String> jvmArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=" + (BenchMain.verbose ? "info" : "warn"));
    // the CLI's simplelogger.properties is on the class path too (for the soak): its INFO audit
    // line per call must not cost the measured servers anything
    cmd.add("-Dorg.slf4j.simpleLogger.log.org.sshrpc=" + (BenchMain.verbose ? "info" : "warn"));
    cmd.add("-Dorg.slf4j.simpleLogger.log.sshrpc.audit=" + (BenchMain.verbose ? "info" : "warn"));
    cmd.addAll(jvmArgs);
    cmd.addAll(BenchMain.serverJvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ServerMain.class.getName());
    cmd.add(kind);
    cmd.addAll(args);
    return start(kind, cmd, true, 0);
  }

  /** Starts any command that follows the child protocol (or, with fixedPort, only listens). */
  static ServerProcess start(String name, List<String> cmd, boolean answersHeap, int fixedPort) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    return new ServerProcess(name, pb.start(), answersHeap, fixedPort);
  }

  /** The port clients connect to (the server's own, or a proxy's in front of it). */
  int port() {
    return port;
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  long cpuNanos() {
    return ProcCpu.treeNanos(process.toHandle());
  }

  /** Live heap after GC (JVM), total memory (Erlang) or resident set size (others), in bytes. */
  long memoryBytes() throws IOException {
    if (!answersHeap) {
      return ProcCpu.treeRssBytes(process.toHandle());
    }
    synchronized (this) {
      stdin.write("heap\n".getBytes(StandardCharsets.US_ASCII));
      stdin.flush();
      return Long.parseLong(await("HEAP ", 60).trim());
    }
  }

  private String await(String prefix, int seconds) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        String line = left > 0 ? lines.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS) : null;
        if (line == null && left > 0 && process.isAlive()) {
          continue;
        }
        if (line == null) {
          throw new IOException(name + " server: no '" + prefix.trim() + "' line " + (process.isAlive() ? "within " + seconds + " s" : "before it exited with status " + process.exitValue()));
        }
        if (line.startsWith(prefix)) {
          return line.substring(prefix.length());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("PORT ") || line.startsWith("HEAP ")) {
          lines.offer(line);
        } else if (BenchMain.verbose || line.contains("Exception") || line.contains("ERROR")) {
          System.err.println("[" + name + "] " + line);
        }
      }
    } catch (IOException e) {
      // the child went away; await() reports it
    }
  }

  @Override
  public void close() {
    if (!answersHeap) {
      // not a child that reads stdin (sshd): ask it to stop with SIGTERM
      process.destroy();
    }
    try {
      stdin.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.descendants().forEach(ProcessHandle::destroy);
          process.destroy();
          if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
