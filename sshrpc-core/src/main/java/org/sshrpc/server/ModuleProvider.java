package org.sshrpc.server;

import java.util.List;

/**
 * A service-provider interface through which a jar exports modules: list the implementation in
 * {@code META-INF/services/org.sshrpc.server.ModuleProvider} and pass the jar to {@link
 * ModuleLoader#fromPaths}.
 */
public interface ModuleProvider {
  /** {@return the modules this provider exports} */
  List<RpcModule> modules();
}
