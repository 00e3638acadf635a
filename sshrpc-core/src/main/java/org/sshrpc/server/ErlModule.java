package org.sshrpc.server;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class whose public instance methods {@link RpcModule#fromAnnotated(Object)} exports as
 * the functions of the Erlang module named by {@link #value()}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ErlModule {
  /** {@return the module name callers use, e.g. {@code "inventory"} for {@code inventory:count/1}} */
  String value();
}
