package org.sshrpc.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * OpenSSH's own echo: a private {@code sshd} (own config, loopback port, never the system's)
 * whose {@code sshrpc@k2r.org} subsystem is {@code cat}, so every frame comes straight back.
 */
final class OpenSsh {
  private OpenSsh() {}

  static String sshdPath() {
    for (String p : List.of("/usr/sbin/sshd", "/usr/local/sbin/sshd")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  static ServerProcess server(BenchKeys keys) throws IOException {
    String sshd = sshdPath();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // a free port for sshd; it binds it again right after
    }
    Path cfg = keys.dir.resolve("sshd_config");
    Files.writeString(cfg, String.join("\n",
        "Port " + port,
        "ListenAddress 127.0.0.1",
        "HostKey " + keys.hostKey,
        "PidFile " + keys.dir.resolve("sshd.pid"),
        "AuthorizedKeysFile " + keys.authorizedKeys,
        "StrictModes no",
        "UsePAM no",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "AllowTcpForwarding no",
        "X11Forwarding no",
        "PrintMotd no",
        "UseDNS no",
        "MaxStartups 2000",
        "Ciphers aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
        "Subsystem sshrpc@k2r.org /bin/cat",
        ""));
    // sshd refuses to start without its privilege-separation directory
    Files.createDirectories(Path.of("/run/sshd"));
    ServerProcess p = ServerProcess.start("openssh", List.of(sshd, "-D", "-e", "-f", cfg.toString()), false, port);
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        return p;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !p.handle().isAlive()) {
          p.close();
          throw new IOException("sshd did not listen on port " + port, e);
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", ie);
        }
      }
    }
  }
}
