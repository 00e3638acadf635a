package org.sshrpc.server;

import java.nio.file.Path;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlTuple;

/**
 * {@code sshrpc stdio} for tests that cannot use the CLI jar: the library's {@link StdioServer}
 * with a test module, started by a real sshd as its Subsystem. Arguments: {@code [--policy FILE]}.
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
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--policy") && i + 1 < args.length) {
        b.policy(PolicySource.watching(Path.of(args[++i])));
      } else {
        System.err.println("usage: StdioTestMain [--policy FILE]");
        System.exit(64);
      }
    }
    int exit;
    try (RpcService service = b.build()) {
      exit = StdioServer.builder().service(service).build().serveProcessStdio();
    }
    System.exit(exit);
  }
}
