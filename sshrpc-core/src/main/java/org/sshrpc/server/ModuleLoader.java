package org.sshrpc.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A loader of {@link ModuleProvider}s from jars the operator names (e.g. {@code serve
 * --module-path}). The jars are operator-chosen code; nothing a client sends selects a class.
 */
public final class ModuleLoader {
  private ModuleLoader() {}

  /**
   * Loads every {@link ModuleProvider} listed in the jars' {@code META-INF/services} and returns
   * their modules, in path order. The class loader stays open for the life of the JVM, because
   * the modules' classes are used for as long as the server runs.
   *
   * @throws UncheckedIOException if a path does not exist
   */
  public static List<RpcModule> fromPaths(List<Path> paths) {
    List<URL> urls = new ArrayList<>();
    for (Path p : paths) {
      if (!Files.exists(p)) {
        throw new UncheckedIOException(new IOException("module path does not exist: " + p));
      }
      try {
        urls.add(p.toUri().toURL());
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("bad module path: " + p, e);
      }
    }
    @SuppressWarnings("resource") // kept open on purpose, see above
    URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ModuleLoader.class.getClassLoader());
    List<RpcModule> out = new ArrayList<>();
    for (ModuleProvider provider : ServiceLoader.load(ModuleProvider.class, loader)) {
      out.addAll(provider.modules());
    }
    return out;
  }
}
