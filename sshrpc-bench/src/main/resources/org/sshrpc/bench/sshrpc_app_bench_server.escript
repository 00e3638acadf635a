#!/usr/bin/env escript
%%! -noshell
%% The Erlang sshrpc application's server (erlang/sshrpc, v1 and v2) as a benchmark peer:
%% exports lists:seq/2 and bench:echo/1 through sshrpc:subsystem_spec/1.
%% Usage: sshrpc_app_bench_server.escript SYSTEM_DIR USER_DIR EBIN
%% Prints "PORT n"; on "heap" from stdin prints "HEAP bytes"; exits when stdin closes.
-module(sshrpc_app_bench_server).
-mode(compile).
-export([main/1]).

main([SystemDir, UserDir, Ebin]) ->
    true = code:add_patha(Ebin),
    logger:set_primary_config(level, warning),
    load_bench_module(),
    {ok, _} = application:ensure_all_started(sshrpc),
    {Name, Handler} = sshrpc:subsystem_spec([{exports, [{lists, seq, 2}, {bench, echo, 1}]},
                                             {max_in_flight, 1024}]),
    {ok, Daemon} = ssh:daemon({127,0,0,1}, 0,
                              [{system_dir, SystemDir}, {user_dir, UserDir},
                               {auth_methods, "publickey"},
                               {subsystems, [{Name, Handler}, {"sshrpc", Handler}]},
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

load_bench_module() ->
    Forms = [{attribute, 1, module, bench}, {attribute, 2, export, [{echo, 1}]},
             {function, 3, echo, 1, [{clause, 3, [{var, 3, 'X'}], [], [{var, 3, 'X'}]}]}],
    {ok, bench, Bin} = compile:forms(Forms),
    {module, bench} = code:load_binary(bench, "bench.erl", Bin).
