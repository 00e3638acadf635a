package org.sshrpc.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ParsedCall;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermParser;
import org.sshrpc.term.TermPrinter;
import picocli.CommandLine;

/** Helpers shared by the subcommands: argument converters and reporting of outcomes. */
final class Cli {
  private Cli() {}

  /** {@code [USER@]HOST[:PORT]}, IPv6 literals in brackets. */
  static final class NodeConverter implements CommandLine.ITypeConverter<NodeAddress> {
    @Override
    public NodeAddress convert(String value) {
      try {
        return NodeAddress.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code Module:Function(Args...)} in Erlang syntax. */
  static final class CallConverter implements CommandLine.ITypeConverter<ParsedCall> {
    @Override
    public ParsedCall convert(String value) {
      return parseCall(value);
    }
  }

  static ParsedCall parseCall(String value) {
    try {
      return TermParser.parseCall(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("bad call '" + value + "': " + e.getMessage());
    }
  }

  /** {@code HOST:PORT} or {@code [IPV6]:PORT} to listen on; port 0 picks a free port. */
  static final class ListenConverter implements CommandLine.ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      return parseListen(value);
    }
  }

  static InetSocketAddress parseListen(String value) {
    String host;
    String port;
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
        throw new CommandLine.TypeConversionException(
            "bad listen address '" + value + "' (expected: HOST:PORT or [IPV6]:PORT)");
      }
      host = value.substring(1, close);
      port = value.substring(close + 2);
    } else {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || value.indexOf(':') != colon) {
        throw new CommandLine.TypeConversionException(
            "bad listen address '" + value + "' (expected: HOST:PORT or [IPV6]:PORT)");
      }
      host = value.substring(0, colon);
      port = value.substring(colon + 1);
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < 0 || p > 65535 || host.isEmpty()) {
      throw new CommandLine.TypeConversionException(
          "bad listen address '" + value + "' (expected: HOST:PORT with PORT 0..65535)");
    }
    // unresolved names are resolved when binding; literals need no lookup
    return new InetSocketAddress(host, p);
  }

  /** {@code host:port}, IPv6 in brackets, for messages. */
  static String format(InetSocketAddress a) {
    String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    int pct = h.indexOf('%');
    if (pct >= 0) {
      h = h.substring(0, pct);
    }
    return (h.indexOf(':') >= 0 ? "[" + compressIpv6(h) + "]" : h) + ":" + a.getPort();
  }

  /** RFC 5952 short form of a full IPv6 address ({@code 0:0:0:0:0:0:0:1} becomes {@code ::1}). */
  static String compressIpv6(String full) {
    String[] g = full.split(":", -1);
    if (g.length != 8) {
      return full;
    }
    int bestStart = -1;
    int bestLen = 1; // a single zero group is not shortened
    for (int i = 0; i < 8; ) {
      if (g[i].equals("0")) {
        int j = i;
        while (j < 8 && g[j].equals("0")) {
          j++;
        }
        if (j - i > bestLen) {
          bestStart = i;
          bestLen = j - i;
        }
        i = j;
      } else {
        i++;
      }
    }
    if (bestStart < 0) {
      return full;
    }
    String head = String.join(":", java.util.Arrays.copyOfRange(g, 0, bestStart));
    String tail = String.join(":", java.util.Arrays.copyOfRange(g, bestStart + bestLen, 8));
    return head + "::" + tail;
  }

  /**
   * Reports a failed call: an error reply goes to stderr as an Erlang term (exit 1); a lost or
   * impossible connection is one line naming the cause (exit 2).
   */
  static int report(RpcException e, PrintWriter err) {
    if (e.status() == Status.UNAVAILABLE) {
      err.println("sshrpc: " + oneLine(e));
      return Main.UNAVAILABLE;
    }
    err.println(TermPrinter.print(reasonOf(e)));
    return Main.ERROR_REPLY;
  }

  /** The error term of a failed call: the server's reason, or the status as an atom. */
  static Term reasonOf(RpcException e) {
    return e.reason() != null ? e.reason() : ErlAtom.of(e.status().name().toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * A configuration failure as {@code FILE: reason} (a missing file's exception names only the
   * file), otherwise its message on one line.
   */
  static String describe(Throwable t) {
    Throwable e = t instanceof java.io.UncheckedIOException && t.getCause() != null ? t.getCause() : t;
    if (e instanceof java.nio.file.FileSystemException) {
      java.nio.file.FileSystemException f = (java.nio.file.FileSystemException) e;
      String reason = f.getReason();
      if (reason == null) {
        reason =
            f instanceof java.nio.file.NoSuchFileException
                ? "No such file or directory"
                : f instanceof java.nio.file.AccessDeniedException ? "Permission denied" : f.getClass().getSimpleName();
      }
      return (f.getFile() == null ? "" : f.getFile() + ": ") + reason;
    }
    return oneLine(t);
  }

  /** The message of {@code t} on one line. */
  static String oneLine(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      m = t.getClass().getSimpleName();
    }
    return m.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
