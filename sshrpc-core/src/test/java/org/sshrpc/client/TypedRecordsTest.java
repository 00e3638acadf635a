package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.server.CallContext;
import org.sshrpc.server.ErlModule;
import org.sshrpc.server.RpcModule;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Terms;

/**
 * Records and {@code Optional} through a typed proxy and an annotated module, and the {@code
 * badarg} reason naming the parameter, over SSH on loopback.
 */
@Timeout(60)
class TypedRecordsTest {
  @TempDir Path dir;

  public record Point(long x, long y) {}

  @ErlModule("geo")
  public static final class Geo {
    public Point move(Point p, Optional<Long> dx) {
      return new Point(p.x() + dx.orElse(1L), p.y());
    }

    public Optional<Point> first(CallContext ctx, List<Point> ps) {
      return ps.stream().findFirst();
    }
  }

  @RemoteModule("geo")
  interface GeoApi {
    Point move(Point p, Optional<Long> dx);

    Optional<Point> first(List<Point> ps);
  }

  @Test
  void recordsAndOptionalsCrossTheWireAndABadArgumentNamesItsParameter() throws Exception {
    try (Loopback lb = new Loopback(dir, s -> s.module(RpcModule.fromAnnotated(new Geo())), c -> {});
        RpcConnection conn = lb.connect()) {
      GeoApi geo = conn.proxy(GeoApi.class);
      assertEquals(new Point(11, 2), geo.move(new Point(1, 2), Optional.of(10L)));
      assertEquals(new Point(2, 2), geo.move(new Point(1, 2), Optional.empty()));
      assertEquals(Optional.of(new Point(5, 6)), geo.first(List.of(new Point(5, 6))));
      assertEquals(Optional.empty(), geo.first(List.of()));

      RpcException e = assertThrows(
          RpcException.class, () -> conn.call("geo", "move", ErlAtom.of("x"), ErlAtom.of("undefined")));
      assertEquals(Status.RAISED, e.status());
      assertEquals(
          Terms.tuple(
              ErlAtom.of("EXIT"),
              Terms.tuple(
                  ErlAtom.of("badarg"),
                  Terms.tuple(ErlAtom.of("param"), Terms.integer(1), ErlAtom.of("p"), Terms.binary(Point.class.getName())))),
          e.reason());
      // the second parameter, after the CallContext, counts as 1: the context is not an argument
      RpcException f = assertThrows(RpcException.class, () -> conn.call("geo", "first", Terms.integer(3)));
      assertEquals(
          Terms.tuple(
              ErlAtom.of("badarg"),
              Terms.tuple(
                  ErlAtom.of("param"), Terms.integer(1), ErlAtom.of("ps"),
                  Terms.binary("java.util.List<" + Point.class.getName() + ">"))),
          ((org.sshrpc.term.ErlTuple) f.reason()).get(1));
    }
  }
}
