#!/usr/bin/env escript
%%! -noshell
%% The Erlang v1 client of the benchmark, on OTP's ssh: runs one workload against a v1 server
%% and prints "START" when the measured calls begin, then "RESULT Calls ElapsedUs P50Us P99Us CpuMs".
%% Usage: sshrpc_bench_client.escript PORT USER_DIR seq|echo SIZE CALLS IN_FLIGHT WARMUP
-module(sshrpc_bench_client).
-mode(compile).
-export([main/1]).

main([PortS, UserDir, Kind, SizeS, CallsS, InFlightS, WarmS]) ->
    ok = ssh:start(),
    {ok, C} = ssh:connect({127,0,0,1}, list_to_integer(PortS),
                          [{user, "bench"}, {user_dir, UserDir}, {silently_accept_hosts, true},
                           {save_accepted_host, false}, {user_interaction, false},
                           {auth_methods, "publickey"}, {nodelay, true}], 30000),
    {ok, Ch} = ssh_connection:session_channel(C, 30000),
    success = ssh_connection:subsystem(C, Ch, "sshrpc@k2r.org", 30000),
    Req = case Kind of
              "seq" -> term_to_binary({mfa, {lists, seq, [1, 100]}});
              "echo" -> term_to_binary({mfa, {bench, echo, [binary:copy(<<7>>, list_to_integer(SizeS))]}})
          end,
    Frame = <<(byte_size(Req)):32, Req/binary>>,
    K = list_to_integer(InFlightS),
    _ = run(C, Ch, Frame, list_to_integer(WarmS), K),
    io:format("START~n"),
    {Cpu0, _} = erlang:statistics(runtime),
    T0 = erlang:monotonic_time(microsecond),
    N = list_to_integer(CallsS),
    Lats = run(C, Ch, Frame, N, K),
    T1 = erlang:monotonic_time(microsecond),
    {Cpu1, _} = erlang:statistics(runtime),
    Sorted = lists:sort(Lats),
    io:format("RESULT ~p ~p ~p ~p ~p~n", [N, T1 - T0, pct(Sorted, N, 50), pct(Sorted, N, 99), Cpu1 - Cpu0]),
    ssh:close(C),
    halt(0).

pct(Sorted, N, P) -> lists:nth(max(1, (N * P + 99) div 100), Sorted).

%% N calls with at most K in flight; returns the latencies in microseconds.
run(C, Ch, Frame, N, K) -> loop(C, Ch, Frame, N, K, 0, 0, queue:new(), {[], 0, 4}, []).

loop(_C, _Ch, _F, N, _K, _Sent, N, _Q, _Buf, Lats) -> Lats;
loop(C, Ch, F, N, K, Sent, Done, Q, Buf, Lats) when Sent < N, Sent - Done < K ->
    T = erlang:monotonic_time(microsecond),
    ok = ssh_connection:send(C, Ch, F, 60000),
    loop(C, Ch, F, N, K, Sent + 1, Done, queue:in(T, Q), Buf, Lats);
loop(C, Ch, F, N, K, Sent, Done, Q, Buf, Lats) ->
    receive
        {ssh_cm, C, {data, Ch, 0, D}} ->
            ssh_connection:adjust_window(C, Ch, byte_size(D)),
            Now = erlang:monotonic_time(microsecond),
            {Chunks, Size, Need} = Buf,
            {Count, Rest} = count({[D | Chunks], Size + byte_size(D), Need}, 0),
            {Q2, Lats2} = pop(Count, Q, Now, Lats),
            loop(C, Ch, F, N, K, Sent, Done + Count, Q2, Rest, Lats2);
        {ssh_cm, C, {closed, Ch}} -> error(channel_closed);
        {ssh_cm, C, _Other} -> loop(C, Ch, F, N, K, Sent, Done, Q, Buf, Lats)
    after 120000 -> error(timeout)
    end.

%% Counts whole reply frames; the buffer is {ReversedChunks, Size, Need} and is joined only once
%% it holds Need bytes, so a large reply costs one copy, not one per data message.
count({_, Size, Need} = Buf, N) when Size < Need -> {N, Buf};
count({Chunks, Size, _}, N) ->
    case iolist_to_binary(lists:reverse(Chunks)) of
        <<Len:32, _:Len/binary, Rest/binary>> -> count({[Rest], byte_size(Rest), 4}, N + 1);
        <<Len:32, _/binary>> = Bin -> {N, {[Bin], Size, Len + 4}};
        Bin -> {N, {[Bin], Size, 4}}
    end.

pop(0, Q, _Now, Lats) -> {Q, Lats};
pop(I, Q, Now, Lats) ->
    {{value, T}, Q2} = queue:out(Q),
    pop(I - 1, Q2, Now, [Now - T | Lats]).
