package org.sshrpc.bench;

/**
 * One measured figure of one subject on one workload: the headline value in the workload's unit,
 * latency percentiles in microseconds and CPU microseconds per call (client and server process),
 * each NaN when not measured.
 */
record Result(double value, double p50Us, double p99Us, double clientCpuUs, double serverCpuUs, String note) {

  static Result of(double value) {
    return new Result(value, Double.NaN, Double.NaN, Double.NaN, Double.NaN, "");
  }

  static Result failed(String why) {
    return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, why);
  }

  boolean ok() {
    return !Double.isNaN(value);
  }

  double cpuUs() {
    if (Double.isNaN(clientCpuUs)) {
      return serverCpuUs;
    }
    if (Double.isNaN(serverCpuUs)) {
      return clientCpuUs;
    }
    return clientCpuUs + serverCpuUs;
  }
}
