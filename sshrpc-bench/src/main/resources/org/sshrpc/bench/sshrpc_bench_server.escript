#!/usr/bin/env escript
%%! -noshell
%% A v1 sshrpc server on OTP's ssh, as the seed wrote it (Rikitake 2010) with its reply-length
%% bug fixed and ready replies written together: the Erlang peer of the benchmark.
%% Usage: sshrpc_bench_server.escript SYSTEM_DIR USER_DIR
%% Prints "PORT n"; on "heap" from stdin prints "HEAP bytes" (erlang:memory(total) after GC);
%% exits when stdin closes.
-module(sshrpc_bench_server).
-mode(compile).
-behaviour(ssh_server_channel).
-export([main/1, init/1, handle_msg/2, handle_ssh_msg/2, terminate/2]).

main([SystemDir, UserDir]) ->
    load_bench_module(),
    ok = ssh:start(),
    {ok, Daemon} = ssh:daemon({127,0,0,1}, 0,
                              [{system_dir, SystemDir}, {user_dir, UserDir},
                               {auth_methods, "publickey"},
                               {subsystems, [{"sshrpc@k2r.org", {?MODULE, []}},
                                             {"sshrpc", {?MODULE, []}}]},
                               {shell, disabled}, {exec, disabled},
                               {max_sessions, 5000}, {parallel_login, true},
                               {nodelay, true}, {backlog, 1024}]),
    {ok, Info} = ssh:daemon_info(Daemon),
    io:format("PORT ~p~n", [proplists:get_value(port, Info)]),
    commands().

commands() ->
    case io:get_line("") of
        eof -> halt(0);
        {error, _} -> halt(0);
        "heap" ++ _ ->
            [erlang:garbage_collect(P) || P <- processes()],
            io:format("HEAP ~p~n", [erlang:memory(total)]),
            commands();
        _ -> commands()
    end.

%% bench:echo/1, the identity function the echo workloads call.
load_bench_module() ->
    Forms = [{attribute, 1, module, bench}, {attribute, 2, export, [{echo, 1}]},
             {function, 3, echo, 1, [{clause, 3, [{var, 3, 'X'}], [], [{var, 3, 'X'}]}]}],
    {ok, bench, Bin} = compile:forms(Forms),
    {module, bench} = code:load_binary(bench, "bench.erl", Bin).

%% ssh_server_channel callbacks
init(_) -> {ok, #{buf => {[], 0}, need => 4}}.

handle_msg({ssh_channel_up, _Ch, _Cm}, S) -> {ok, S};
handle_msg(_, S) -> {ok, S}.

handle_ssh_msg({ssh_cm, Cm, {data, Ch, 0, Data}}, #{buf := {Chunks, Size}, need := Need} = S) ->
    {Replies, Rest, Need2} = frames({[Data | Chunks], Size + byte_size(Data)}, Need, []),
    case Replies of
        [] -> ok;
        _ -> ssh_connection:send(Cm, Ch, Replies)
    end,
    ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
    {ok, S#{buf := Rest, need := Need2}};
handle_ssh_msg({ssh_cm, _, {data, _, _, _}}, S) -> {ok, S};
handle_ssh_msg({ssh_cm, _, {eof, _}}, S) -> {ok, S};
handle_ssh_msg({ssh_cm, _, {signal, _, _}}, S) -> {ok, S};
handle_ssh_msg({ssh_cm, _, {exit_signal, Ch, _, _, _}}, S) -> {stop, Ch, S};
handle_ssh_msg({ssh_cm, _, {exit_status, Ch, _}}, S) -> {stop, Ch, S}.

terminate(_, _) -> ok.

%% The buffer is a reversed list of chunks and its size; it is joined only once it holds Need
%% bytes, so a frame spanning many data messages costs one copy, not one per message.
frames({_, Size} = Buf, Need, Acc) when Size < Need -> {lists:reverse(Acc), Buf, Need};
frames({Chunks, Size}, _Need, Acc) ->
    case iolist_to_binary(lists:reverse(Chunks)) of
        <<Len:32, Body:Len/binary, Rest/binary>> ->
            R = term_to_binary(answer(Body)),
            frames({[Rest], byte_size(Rest)}, 4, [[<<(byte_size(R)):32>>, R] | Acc]);
        <<Len:32, _/binary>> = Bin -> {lists:reverse(Acc), {[Bin], Size}, Len + 4};
        Bin -> {lists:reverse(Acc), {[Bin], Size}, 4}
    end.

answer(Body) ->
    case catch binary_to_term(Body) of
        {mfa, {M, F, A}} ->
            case catch apply(M, F, A) of
                {'EXIT', R} -> {answer, {{exec_badrpc, {'EXIT', R}}, -1}};
                V -> {answer, {V, 0}}
            end;
        T -> {answer, {{exec_error, T}, -1}}
    end.
