package org.sshrpc.server;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlTuple;

/**
 * {@code sshrpc stdio} for tests that cannot use the CLI jar: the library's {@link StdioServer}
 * with a test module, started by a real sshd as its Subsystem.
 *
 * <p>Arguments: {@code [--policy FILE]}, or {@code --contract [--as SHA256:FP=NAME]...} to serve
 * {@link RpcContract}'s module and policy. {@code --as} names the caller after the key sshd
 * authenticated, because the contract's users (alice, bob) are not Unix accounts a test may
 * create; everything else about the identity still comes from sshd's environment.
 */
public final class StdioTestMain {
  private StdioTestMain() {}

  /** The test module {@code t}: {@code boom/0} raises, {@code whoami/0}, {@code secret/0}. */
  static RpcModule testModule() {
    return RpcModule.builder("t")
        .function("boom", 0, (ctx, a) -> {
          throw new IllegalStateException("boom");
        })
        .function("whoami", 0, (ctx, a) -> ErlTuple.of(
            ErlBinary.utf8(ctx.user()),
            ctx.keyFingerprint() == null ? ErlAtom.UNDEFINED : ErlBinary.utf8(ctx.keyFingerprint()),
            ErlBinary.utf8(String.valueOf(ctx.remoteAddress()))))
        .function("secret", 0, (ctx, a) -> ErlAtom.of("secret"))
        .function("cert_only", 0, (ctx, a) -> ErlAtom.of("certified"))
        .function("print", 0, (ctx, a) -> {
          System.out.println("a module printing to stdout must not corrupt the frames");
          return ErlAtom.OK;
        })
        .build();
  }

  public static void main(String[] args) throws Exception {
    RpcService.Builder b =
        RpcService.builder().module(testModule()).metrics(Metrics.builder().build());
    Map<String, String> names = new HashMap<>();
    boolean trust = true;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--policy") && i + 1 < args.length) {
        b.policy(PolicySource.watching(Path.of(args[++i])));
      } else if (args[i].equals("--contract")) {
        b = RpcService.builder().module(RpcContract.MODULE).policy(RpcContract.POLICY);
      } else if (args[i].equals("--untrusted")) {
        trust = false;
      } else if (args[i].equals("--as") && i + 1 < args.length) {
        String[] kv = args[++i].split("=", 2);
        names.put(kv[0], kv[1]);
      } else {
        System.err.println("usage: StdioTestMain [--policy FILE] [--untrusted] | --contract [--as FP=NAME]...");
        System.exit(64);
      }
    }
    // The test sshd runs with ExposeAuthInfo yes (unless --untrusted), so it sets SSH_USER_AUTH.
    StdioServer.Builder server = StdioServer.builder().trustSshUserAuth(trust);
    if (!names.isEmpty()) {
      StdioIdentity real = StdioIdentity.fromEnvironment(System.getenv(), System.getProperty("user.name"), true);
      String name = names.get(real.keyFingerprint());
      if (name != null) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("USER", name);
        server.environment(env).osUser(name);
      }
    }
    int exit;
    try (RpcService service = b.build()) {
      exit = server.service(service).build().serveProcessStdio();
    }
    System.exit(exit);
  }
}
