package org.sshrpc.client;

/** Builds typed proxies for {@link RemoteModule} interfaces. */
final class Proxies {
  private Proxies() {}

  static <T> T create(RpcChannel channel, Class<T> iface) {
    throw new UnsupportedOperationException("proxies are not implemented yet");
  }
}
