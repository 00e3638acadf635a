package org.sshrpc.client;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermMapper;
import org.sshrpc.term.TermMappingException;

/**
 * Builds typed proxies for {@link RemoteModule} interfaces. Everything is checked when the proxy
 * is made: the module name, every method's parameter and return types; the reflection here is on
 * the program's own interface, never driven by wire data.
 */
final class Proxies {
  private Proxies() {}

  static <T> T create(RpcChannel channel, Class<T> iface, CallOptions options) {
    java.util.Objects.requireNonNull(options, "options");
    if (!iface.isInterface()) {
      throw new IllegalArgumentException(iface.getName() + " is not an interface");
    }
    RemoteModule rm = iface.getAnnotation(RemoteModule.class);
    if (rm == null) {
      throw new IllegalArgumentException(iface.getName() + " is not annotated with @RemoteModule");
    }
    String module = checkName(rm.value(), "module name of " + iface.getName());
    Map<Method, Target> targets = new HashMap<>();
    for (Method m : iface.getMethods()) {
      if (m.isDefault() || Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      targets.put(m, target(module, m));
    }
    InvocationHandler h =
        (proxy, method, args) -> {
          Target t = targets.get(method);
          if (t != null) {
            return t.invoke(channel, args, options);
          }
          if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
          }
          switch (method.getName()) {
            case "toString":
              return "RemoteModule(" + module + ") proxy on " + channel
                  + (options == CallOptions.DEFAULT ? "" : " with " + options);
            case "hashCode":
              return System.identityHashCode(proxy);
            case "equals":
              return proxy == args[0];
            default:
              throw new IllegalStateException("unexpected method " + method);
          }
        };
    return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, h));
  }

  private static Target target(String module, Method m) {
    String where = m.getDeclaringClass().getSimpleName() + "." + m.getName();
    RemoteFunction rf = m.getAnnotation(RemoteFunction.class);
    String function = checkName(rf != null ? rf.value() : m.getName(), "function name of " + where);
    try {
      for (Type p : m.getGenericParameterTypes()) {
        TermMapper.checkSupported(p);
      }
      Type ret = m.getGenericReturnType();
      boolean async = false;
      if (m.getReturnType() == CompletableFuture.class) {
        if (!(ret instanceof ParameterizedType)) {
          throw new IllegalArgumentException("raw CompletableFuture return type");
        }
        ret = ((ParameterizedType) ret).getActualTypeArguments()[0];
        async = true;
      }
      boolean isVoid = ret == void.class || ret == Void.class;
      if (!isVoid) {
        TermMapper.checkSupported(ret);
      }
      return new Target(module, function, ret, async, isVoid);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot proxy method " + where + ": " + e.getMessage(), e);
    }
  }

  private static String checkName(String name, String what) {
    if (name == null || name.isEmpty() || name.codePointCount(0, name.length()) > 255) {
      throw new IllegalArgumentException("bad " + what + ": '" + name + "'");
    }
    return name;
  }

  private static final class Target {
    final String module;
    final String function;
    final Type returnType;
    final boolean async;
    final boolean isVoid;

    Target(String module, String function, Type returnType, boolean async, boolean isVoid) {
      this.module = module;
      this.function = function;
      this.returnType = returnType;
      this.async = async;
      this.isVoid = isVoid;
    }

    Object invoke(RpcChannel channel, Object[] args, CallOptions options) {
      List<Term> terms = new ArrayList<>();
      if (args != null) {
        for (Object a : args) {
          terms.add(TermMapper.toTerm(a));
        }
      }
      if (async) {
        return channel.callAsync(module, function, terms, options).thenApply(this::map);
      }
      return map(channel.call(module, function, terms, options));
    }

    Object map(Term reply) {
      if (isVoid) {
        return null;
      }
      try {
        return TermMapper.fromTerm(reply, returnType);
      } catch (TermMappingException e) {
        throw new RpcException(
            Status.INTERNAL,
            module + ":" + function + " replied " + Replies.brief(reply) + ", which is not a "
                + returnType.getTypeName() + ": " + e.getMessage(),
            reply,
            e);
      }
    }
  }
}
