#!/usr/bin/env escript
%%! -noshell
%% The Erlang sshrpc application's client (erlang/sshrpc: sshrpc:send_request/4 and
%% receive_response/2, v2 negotiated) as a benchmark peer. Prints "START" when the measured calls
%% begin, then "RESULT Calls ElapsedUs P50Us P99Us CpuMs".
%% Usage: sshrpc_app_bench_client.escript PORT USER_DIR EBIN seq|echo SIZE CALLS IN_FLIGHT WARMUP
-module(sshrpc_app_bench_client).
-mode(compile).
-export([main/1]).

main([PortS, UserDir, Ebin, Kind, SizeS, CallsS, InFlightS, WarmS]) ->
    true = code:add_patha(Ebin),
    logger:set_primary_config(level, warning),
    {ok, C} = sshrpc:connect({127,0,0,1}, list_to_integer(PortS),
                             [{user, "bench"}, {user_dir, UserDir}, {silently_accept_hosts, true},
                              {save_accepted_host, false}, {auth_methods, "publickey"},
                              {connect_timeout, 30000}]),
    {M, F, A} = case Kind of
                    "seq" -> {lists, seq, [1, 100]};
                    "echo" -> {bench, echo, [binary:copy(<<7>>, list_to_integer(SizeS))]}
                end,
    K = list_to_integer(InFlightS),
    _ = run(C, M, F, A, list_to_integer(WarmS), K),
    io:format("START~n"),
    {Cpu0, _} = erlang:statistics(runtime),
    T0 = erlang:monotonic_time(microsecond),
    N = list_to_integer(CallsS),
    Lats = run(C, M, F, A, N, K),
    T1 = erlang:monotonic_time(microsecond),
    {Cpu1, _} = erlang:statistics(runtime),
    Sorted = lists:sort(Lats),
    io:format("RESULT ~p ~p ~p ~p ~p~n", [N, T1 - T0, pct(Sorted, N, 50), pct(Sorted, N, 99), Cpu1 - Cpu0]),
    sshrpc:close(C),
    halt(0).

pct(Sorted, N, P) -> lists:nth(max(1, (N * P + 99) div 100), Sorted).

%% N calls with at most K in flight, replies taken in request order; latencies in microseconds.
run(C, M, F, A, N, K) -> loop(C, M, F, A, N, K, 0, 0, queue:new(), []).

loop(C, M, F, A, N, K, Sent, Done, Q, Lats) when Sent < N, Sent - Done < K ->
    T = erlang:monotonic_time(microsecond),
    R = sshrpc:send_request(C, M, F, A),
    loop(C, M, F, A, N, K, Sent + 1, Done, queue:in({T, R}, Q), Lats);
loop(C, M, F, A, N, K, Sent, Done, Q, Lats) ->
    case queue:out(Q) of
        {empty, _} -> Lats;
        {{value, {T, R}}, Q2} ->
            _ = sshrpc:receive_response(R, 120000),
            Lat = erlang:monotonic_time(microsecond) - T,
            loop(C, M, F, A, N, K, Sent, Done + 1, Q2, [Lat | Lats])
    end.
