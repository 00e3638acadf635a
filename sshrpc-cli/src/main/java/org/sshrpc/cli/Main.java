package org.sshrpc.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sshrpc} command: serve, call, cast, multicall and demo. A thin layer over the library:
 * each subcommand is one class that parses its arguments and calls {@code RpcServer} or {@code
 * RpcClient}.
 *
 * <p>Exit codes (a contract scripts rely on): {@value #OK} success; {@value #ERROR_REPLY} the node
 * answered with an error (printed on stderr as an Erlang term); {@value #UNAVAILABLE} the node could
 * not be reached, authentication failed or its host key was refused (one line on stderr naming the
 * cause); {@value #USAGE} bad arguments; {@value #CONFIG} a server's configuration (a file it names
 * is missing or wrong).
 *
 * <p>To add a subcommand: write one class annotated {@code @Command} and add it to the {@code
 * subcommands} list below.
 */
@Command(
    name = "sshrpc",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Secure RPC between JVM and Erlang nodes over SSH (subsystem sshrpc@k2r.org).",
    subcommands = {
      ServeCommand.class,
      CallCommand.class,
      CastCommand.class,
      MulticallCommand.class,
      DemoCommand.class,
      StdioCommand.class,
      StatsCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class Main implements Runnable {
  /** The command did what was asked. */
  public static final int OK = 0;
  /** The node answered with an error reply. */
  public static final int ERROR_REPLY = 1;
  /** Connection, authentication or host-key failure. */
  public static final int UNAVAILABLE = 2;
  /** Bad command-line arguments (as BSD's EX_USAGE). */
  public static final int USAGE = 64;
  /** {@code serve}/{@code stdio}: a configuration file or setting is missing or wrong (EX_CONFIG). */
  public static final int CONFIG = 78;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Entry point of {@code sshrpc.jar}. */
  public static void main(String[] args) {
    System.exit(run(System.out, System.err, args));
  }

  /** Runs the command with its output on {@code out} and {@code err}; returns the exit code. */
  public static int run(PrintStream out, PrintStream err, String... args) {
    return commandLine(
            new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true),
            new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true))
        .execute(args);
  }

  /**
   * Parses {@code args} without running anything and returns the selected subcommand's object
   * (e.g. a {@code CallCommand} with its options resolved), for tests of the argument parsing.
   *
   * @throws CommandLine.ParameterException for invalid arguments, with picocli's message
   */
  public static Object fromArgs(String... args) {
    CommandLine cl = commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    CommandLine.ParseResult r = cl.parseArgs(args);
    while (r.hasSubcommand()) {
      r = r.subcommand();
    }
    return r.commandSpec().userObject();
  }

  /** The configured picocli command line. */
  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.getCommandSpec().exitCodeOnInvalidInput(USAGE);
    cl.getSubcommands().values().forEach(sub -> {
      sub.getCommandSpec().exitCodeOnInvalidInput(USAGE);
      // --help/-h and --version/-V on every command, as on the top level (`sshrpc call --help`).
      if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        sub.getCommandSpec().mixinStandardHelpOptions(true);
      }
    });
    // An argument error is one line (picocli's message) and a hint, not the whole usage text.
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine bad = ex.getCommandLine();
          bad.getErr().println(ex.getMessage());
          bad.getErr().println("Try '" + bad.getCommandSpec().qualifiedName() + " --help' for more information.");
          return USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, line, parseResult) -> {
          // Unexpected failures: one line, never a stack trace on a user's terminal.
          line.getErr().println("sshrpc: " + Cli.oneLine(ex));
          return UNAVAILABLE;
        });
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version from the jar manifest, when packaged. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"sshrpc " + (v == null ? "(development build)" : v)};
    }
  }
}
