package org.sshrpc.term;

/**
 * An immutable Erlang term: the value carried by every sshrpc message.
 *
 * <p>The set of term kinds is closed and mirrors Erlang's own data types. All implementations
 * have structural {@code equals}/{@code hashCode}, so terms can be used as map keys and compared
 * in tests. Build terms with {@link Terms}; encode and decode them with the ETF codec in this
 * package.
 */
public sealed interface Term
    permits ErlAtom,
        ErlInteger,
        ErlFloat,
        ErlTuple,
        ErlList,
        ErlBinary,
        ErlBitstring,
        ErlMap,
        ErlPid,
        ErlRef,
        ErlPort,
        ErlFun,
        ErlExportFun {}
