package org.sshrpc.client;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface as the client-side view of a remote module: {@code @RemoteModule("lists")
 * interface Lists { List<Long> seq(long from, long to); }} and {@code conn.proxy(Lists.class)}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RemoteModule {
  /** {@return the Erlang module name} */
  String value();
}
