package org.sshrpc.bench;

/**
 * A system under test: one client kind driving one server kind (for example our client against
 * our server, or an Erlang client against an Erlang server), able to run workloads.
 */
interface Subject extends AutoCloseable {

  /** Short column name in the report. */
  String name();

  /** One line saying what runs on each side. */
  String description();

  boolean supports(Workload w);

  /** Runs one repetition of {@code w}; {@code quick} selects the short counts. */
  Result run(Workload w, boolean quick) throws Exception;

  @Override
  void close() throws Exception;
}
