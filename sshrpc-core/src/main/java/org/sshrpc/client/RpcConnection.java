package org.sshrpc.client;

/**
 * A connection to one sshrpc node: one authenticated SSH session with a main {@link RpcChannel}
 * for calls (this object's own call methods) and, on request, further channels on the same
 * session so that, for example, a bulk transfer does not delay small calls.
 *
 * <p>Thread-safe. With a {@link ReconnectPolicy}, a dropped session is replaced on a later call:
 * calls in flight at the drop fail promptly with {@code UNAVAILABLE}; mailboxes, monitors and
 * extra channels belong to the session they were made on and end with it.
 */
public interface RpcConnection extends RpcChannel {
  /** {@return the node this connection talks to} */
  NodeAddress address();

  /**
   * Opens another channel on the same SSH session, with its own protocol negotiation and its own
   * SSH flow-control window: a bulk transfer on one does not stall small calls on another.
   *
   * @return the new channel
   */
  RpcChannel openChannel();

  /**
   * A typed proxy for an interface annotated with {@link RemoteModule}: each method calls the
   * function of the same name (or its {@link RemoteFunction} name) with its arguments mapped to
   * terms, and maps the reply back to the method's return type.
   *
   * @param <T> the interface
   * @param iface the interface, annotated with {@link RemoteModule}
   * @return the proxy
   * @throws IllegalArgumentException naming the first method that cannot be mapped
   */
  <T> T proxy(Class<T> iface);

  /**
   * A typed proxy, as {@link #proxy(Class)}, whose every call is made with {@code options}: give
   * it a {@linkplain CallOptions#withCallTimeout call timeout} so that each call gets its own
   * deadline (an absolute deadline in {@code options} bounds all its calls together).
   *
   * @param <T> the interface
   * @param iface the interface, annotated with {@link RemoteModule}
   * @param options the options of every call through the proxy
   * @return the proxy
   * @throws IllegalArgumentException naming the first method that cannot be mapped
   */
  <T> T proxy(Class<T> iface, CallOptions options);

  /** Closes the session and every channel on it. */
  @Override
  void close();
}
