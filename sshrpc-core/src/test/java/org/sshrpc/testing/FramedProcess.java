package org.sshrpc.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;

/**
 * A child process that speaks sshrpc frames on its stdin/stdout: {@code sshrpc stdio} started
 * directly, or {@code ssh -s HOST sshrpc@k2r.org}. A raw client for tests: it writes frames
 * exactly as given and reads whole frames back, with timeouts; stderr goes to a file.
 */
public final class FramedProcess implements AutoCloseable {
  private static final int MAX_FRAME = 64 * 1024 * 1024;
  private static final Object EOF = new Object();

  private final Process process;
  private final OutputStream stdin;
  private final Path stderr;
  private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
  private final Thread reader;

  private FramedProcess(Process process, Path stderr) {
    this.process = process;
    this.stdin = process.getOutputStream();
    this.stderr = stderr;
    this.reader = new Thread(this::readLoop, "framed-reader-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} with extra environment {@code env}; stderr goes to {@code stderr}. */
  public static FramedProcess start(List<String> command, Map<String, String> env, Path stderr)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderr.toFile());
    pb.environment().putAll(env);
    return new FramedProcess(pb.start(), stderr);
  }

  private void readLoop() {
    try (DataInputStream in = new DataInputStream(process.getInputStream())) {
      while (true) {
        int len;
        try {
          len = in.readInt();
        } catch (EOFException e) {
          break;
        }
        if (len < 0 || len > MAX_FRAME) {
          frames.add(new IOException("bad frame length " + Integer.toUnsignedString(len)));
          break;
        }
        byte[] b = new byte[len];
        in.readFully(b);
        frames.add(b);
      }
    } catch (IOException e) {
      frames.add(e);
    }
    frames.add(EOF);
  }

  /** Writes one frame holding {@code term}'s ETF encoding. */
  public void send(Term term) throws IOException {
    sendRaw(frame(TermEncoder.DEFAULT.encode(term)));
  }

  /** Writes {@code bytes} as they are (frames, parts of frames, garbage) and flushes. */
  public void sendRaw(byte[] bytes) throws IOException {
    stdin.write(bytes);
    stdin.flush();
  }

  /** {@code <<Len:32, content>>}. */
  public static byte[] frame(byte[] content) {
    return ByteBuffer.allocate(4 + content.length).putInt(content.length).put(content).array();
  }

  /** The next frame's content, decoded; fails on timeout, EOF or a read error. */
  public Term receive(Duration timeout) throws IOException, InterruptedException {
    return TermDecoder.DEFAULT.decode(receiveRaw(timeout));
  }

  /** The next frame's content bytes; fails on timeout, EOF or a read error. */
  public byte[] receiveRaw(Duration timeout) throws IOException, InterruptedException {
    Object o = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (o == null) {
      throw new IOException("no frame within " + timeout + "; stderr: " + stderr());
    }
    if (o == EOF) {
      frames.add(EOF);
      throw new EOFException("stdout closed; stderr: " + stderr());
    }
    if (o instanceof IOException) {
      throw new IOException("read failed; stderr: " + stderr(), (IOException) o);
    }
    return (byte[]) o;
  }

  /** Whether stdout reached EOF within {@code timeout} with no further frame before it. */
  public boolean awaitEof(Duration timeout) throws InterruptedException {
    Object o = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (o == EOF) {
      frames.add(EOF);
      return true;
    }
    return false;
  }

  /** Closes stdin (the peer sees EOF). */
  public void closeInput() throws IOException {
    stdin.close();
  }

  /** Waits for the process to exit; returns its exit code, or -1 on timeout. */
  public int waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** What the process wrote to stderr so far. */
  public String stderr() {
    try {
      return Files.readString(stderr, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** The process (by pid). */
  public Process process() {
    return process;
  }

  /** Kills the process if still running (by its own handle) and waits a bounded time. */
  @Override
  public void close() throws InterruptedException {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // already closed
    }
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
    reader.join(Duration.ofSeconds(5).toMillis());
  }
}
