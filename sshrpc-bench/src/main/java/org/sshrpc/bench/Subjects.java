package org.sshrpc.bench;

import java.util.List;

/** The subjects the benchmark knows, by name, and how to start each. */
final class Subjects {
  /** Every subject, reference first. */
  static final List<String> ALL = List.of("sshrpc", "sshrpc-v1raw", "mina-echo", "grpc-tls", "erlang-seed", "erlang-server", "openssh-echo", "erlang-client", "sshrpc-client-erl", "erlapp-client", "sshrpc-client-erlapp");

  private Subjects() {}

  private static ServerProcess sshrpcServer(BenchKeys keys) throws java.io.IOException {
    return ServerProcess.java("sshrpc", List.of(keys.hostKey.toString(), keys.sshrpcAuthorizedKeys.toString()), List.of());
  }

  private static String otp() {
    try {
      Process p = new ProcessBuilder("erl", "-noshell", "-eval", "io:format(\"~s\", [erlang:system_info(otp_release)]), halt().")
          .redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      return v;
    } catch (Exception e) {
      return "?";
    }
  }

  /** Starts the named subject, or returns null when a tool it needs is missing. */
  static Subject create(String name, BenchKeys keys) throws Exception {
    switch (name) {
      case "sshrpc":
        return new SshrpcSubject(name, "our RpcClient (v2 negotiated) against our RpcServer (defaults, plus bench:echo/1 and 32 MiB frames) in its own JVM",
            sshrpcServer(keys), keys);
      case "sshrpc-v1raw":
        return new RawSubject(name, "our RpcServer (as in sshrpc) driven by the MINA client writing v1 frames: the server alone, comparable with mina-echo",
            sshrpcServer(keys), keys.clientPair());
      case "erlang-client":
        return !Erlang.available() ? null : new Erlang.ClientSubject(name,
            "the Erlang v1 client (as in erlang-seed) against our RpcServer: the seed's client, our server",
            sshrpcServer(keys), keys);
      case "sshrpc-client-erl":
        return !Erlang.available() ? null : new SshrpcSubject(name,
            "our RpcClient (falls back to v1) against the Erlang v1 server (as in erlang-seed)", Erlang.server(keys), keys);
      case "erlapp-client":
        return !Erlang.available() ? null : new Erlang.ClientSubject(name,
            "the Erlang application's client (erlang/sshrpc: sshrpc:send_request/receive_response, v2) against our RpcServer",
            sshrpcServer(keys), keys, "sshrpc_app_bench_client.escript", List.of(Erlang.appEbin(keys).toString()));
      case "sshrpc-client-erlapp":
        return !Erlang.available() ? null : new SshrpcSubject(name,
            "our RpcClient (v2 negotiated) against the Erlang application's server (erlang/sshrpc in ssh:daemon, each call its own process)",
            Erlang.appServer(keys), keys);
      case "mina-echo":
        return new RawSubject(name, "bare MINA SSHD 2.20.0 echo subsystem (NIO2, TCP_NODELAY, our AlgorithmPolicy so aes128-gcm, async echo on the I/O thread) in its own JVM; MINA client writing v1 frames",
            ServerProcess.java("mina-echo", List.of(keys.hostKey.toString(), keys.authorizedKeys.toString()), List.of()), keys.clientPair());
      case "grpc-tls":
        return new GrpcSubject(keys.dir);
      case "erlang-seed":
        return !Erlang.available() ? null : new Erlang.ClientSubject(name,
            "the seed's workload on OTP " + otp() + ": Erlang v1 client (OTP ssh, one SSH message per request) against the Erlang v1 server (the seed's code, reply length fixed, ready replies written together)",
            Erlang.server(keys), keys);
      case "erlang-server":
        return !Erlang.available() ? null : new RawSubject(name,
            "the Erlang v1 server (as in erlang-seed) driven by the MINA client writing v1 frames (for the workloads the Erlang client does not run)",
            Erlang.server(keys), keys.clientPair());
      case "openssh-echo":
        return OpenSsh.sshdPath() == null ? null : new RawSubject(name,
            "OpenSSH sshd (own config on a loopback port, aes128-gcm) whose subsystem is /bin/cat; MINA client writing v1 frames; memory (g) not measured (per-connection processes)",
            OpenSsh.server(keys), keys.clientPair(), System.getProperty("user.name"), java.util.Set.of(Workload.IDLE_1000));
      default:
        throw new IllegalArgumentException("unknown subject " + name);
    }
  }
}
