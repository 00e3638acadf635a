/**
 * The sshrpc Java client: {@link org.sshrpc.client.RpcClient} connects to sshrpc nodes over SSH
 * (subsystem {@code sshrpc@k2r.org}) and returns {@link org.sshrpc.client.RpcConnection}s for
 * calls, casts, remote processes, mailboxes and typed proxies; {@link
 * org.sshrpc.client.RpcClient#multicall} calls many nodes at once.
 *
 * <p>Protocol v2 is negotiated on every channel and v1 (the seed's) is used when the server
 * refuses it. Failures of calls are one {@link org.sshrpc.RpcException} with a {@link
 * org.sshrpc.Status}; failures to connect are {@link java.io.IOException}s naming the cause
 * ({@link org.sshrpc.auth.KnownHostsException} for host keys). The threading model is written
 * down in {@code CONCURRENCY.md} beside these sources.
 */
package org.sshrpc.client;
