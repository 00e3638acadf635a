package org.sshrpc.bench;

import java.security.KeyPair;
import org.apache.sshd.client.SshClient;

/**
 * A subject driven by the transport-level {@link RawSshConn} (MINA client) against a server in a
 * child process: the MINA echo baseline, OpenSSH's echo, or a v1 server (Erlang's or ours).
 */
final class RawSubject extends JavaDrivenSubject {
  private final String name;
  private final String description;
  private final ServerProcess server;
  private final SshClient client;
  private final KeyPair key;
  private final String user;
  private final java.util.Set<Workload> unsupported;

  RawSubject(String name, String description, ServerProcess server, KeyPair key) {
    this(name, description, server, key, "bench", java.util.Set.of());
  }

  RawSubject(String name, String description, ServerProcess server, KeyPair key, String user, java.util.Set<Workload> unsupported) {
    this.user = user;
    this.unsupported = unsupported;
    this.name = name;
    this.description = description;
    this.server = server;
    this.key = key;
    this.client = MinaSetup.client();
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
  Conn connect() throws Exception {
    return RawSshConn.open(client, user, server.port(), key);
  }

  @Override
  public boolean supports(Workload w) {
    return !unsupported.contains(w);
  }

  @Override
  ServerProcess server() {
    return server;
  }

  @Override
  public void close() throws Exception {
    try {
      client.stop();
    } finally {
      server.close();
    }
  }
}
