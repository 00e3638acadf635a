package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.KnownHostsException;
import org.sshrpc.testing.Tools;

/**
 * {@code @cert-authority} known_hosts lines, against a real OpenSSH sshd (own config, loopback)
 * presenting a host certificate signed with ssh-keygen. Its subsystem is {@code cat}, so only the
 * SSH layers are exercised: the connection stands once the host key is accepted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostCertificateIT {
  @TempDir static Path dir;
  static Process sshd;
  static int port;
  static Path clientKey;
  static Path ca;

  @BeforeAll
  static void startSshd() throws Exception {
    String sshdPath = Tools.requireTool("sshd");
    Tools.requireTool("ssh-keygen");
    Path host = SshKeys.keygen(dir, "host", "ed25519", "");
    ca = SshKeys.keygen(dir, "ca", "ed25519", "");
    SshKeys.run(List.of(Tools.requireTool("ssh-keygen"), "-q", "-s", ca.toString(), "-I", "testhost", "-h", "-n", "127.0.0.1",
        host.toString() + ".pub"));
    clientKey = SshKeys.keygen(dir, "id", "ed25519", "");
    Path auth = dir.resolve("authorized_keys");
    Files.writeString(auth, SshKeys.publicLine(clientKey) + "\n");
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path cfg = dir.resolve("sshd_config");
    Files.writeString(cfg, String.join("\n",
        "ListenAddress 127.0.0.1:" + port,
        "HostKey " + host,
        "HostCertificate " + host + "-cert.pub",
        "AuthorizedKeysFile " + auth,
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PidFile none",
        "Subsystem sshrpc@k2r.org /bin/cat",
        ""));
    sshd = new ProcessBuilder(sshdPath, "-f", cfg.toString(), "-D", "-e").redirectErrorStream(true).start();
    CompletableFuture<Void> listening = new CompletableFuture<>();
    Thread out = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(sshd.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.contains("Server listening")) {
            listening.complete(null);
          }
        }
      } catch (Exception e) {
        // ended
      }
      listening.completeExceptionally(new IllegalStateException("sshd exited before listening"));
    });
    out.setDaemon(true);
    out.start();
    listening.get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopSshd() throws Exception {
    if (sshd != null) {
      sshd.destroy();
      sshd.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static RpcClient client(Path knownHosts) {
    return RpcClient.builder().identity(clientKey).knownHosts(knownHosts).build();
  }

  @Test
  void hostCertificateSignedByATrustedCaIsAccepted() throws Exception {
    Path kh = dir.resolve("kh_ca");
    Files.writeString(kh, "@cert-authority [127.0.0.1]:" + port + " " + SshKeys.publicLine(ca) + "\n");
    try (RpcClient c = client(kh);
        RpcConnection conn = c.connect("127.0.0.1:" + port)) {
      assertTrue(conn.isOpen());
    }
  }

  @Test
  void hostCertificateOfAnotherCaIsRefused() throws Exception {
    Path otherCa = SshKeys.keygen(dir.resolve("other"), "other_ca", "ed25519", "");
    Path kh = dir.resolve("kh_other_ca");
    Files.writeString(kh, "@cert-authority [127.0.0.1]:" + port + " " + SshKeys.publicLine(otherCa) + "\n");
    try (RpcClient c = client(kh)) {
      KnownHostsException e = assertThrows(KnownHostsException.class, () -> c.connect("127.0.0.1:" + port));
      assertEquals(KnownHostsException.Kind.UNKNOWN_HOST, e.kind());
      assertTrue(e.getMessage().contains("signed by CA") && e.getMessage().contains("[127.0.0.1]:" + port), e.getMessage());
    }
  }
}
