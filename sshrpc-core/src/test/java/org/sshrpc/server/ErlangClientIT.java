package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.testing.Tools;

/** A v1 client written with OTP's own ssh application calls the Java server. */
@Timeout(120)
class ErlangClientIT {
  @TempDir Path dir;

  @Test
  void otpSshClientSpeaksV1() throws Exception {
    String escript = Tools.requireTool("escript");
    String keygen = Tools.requireTool("ssh-keygen");
    Path userDir = Files.createDirectories(dir.resolve("erl_ssh"));
    run(List.of(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "erl", "-f", userDir.resolve("id_ed25519").toString()));
    String pub = Files.readString(userDir.resolve("id_ed25519.pub"), StandardCharsets.UTF_8).trim();
    Path script = dir.resolve("v1_client.escript");
    try (var in = getClass().getResourceAsStream("/erlang/v1_client.escript")) {
      Files.copy(in, script);
    }
    try (ServerFixture fx = new ServerFixture(dir, b -> {})) {
      fx.authorize("sshrpc-user=\"erl\" " + pub);
      Process p =
          new ProcessBuilder(escript, script.toString(), Integer.toString(fx.port()), userDir.toString(), "erl")
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().close();
      String out;
      try (var is = p.getInputStream()) {
        out = new String(is.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertTrue(p.waitFor(90, TimeUnit.SECONDS), "escript did not finish");
      System.out.println(out);
      for (String check : List.of("seq", "undef", "sequential_1000", "batched", "split", "flat_shape")) {
        assertTrue(out.contains("ok " + check + "\n"), "check " + check + " failed:\n" + out);
      }
      assertEquals(0, p.exitValue(), out);
    }
  }

  static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(cmd + " failed: " + out);
    }
  }
}
