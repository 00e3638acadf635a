#!/usr/bin/env escript
%% The Erlang sshrpc application (erlang/sshrpc) serving on loopback, for the interop tests.
%% Usage: sshrpc_app_server.escript Ebin SystemDir UserDir [Port]
%% Exports sshrpc_test_funs:* (secret/0 denied by the policy) and lists:seq/2, sum/1, nth/2.
%% Prints "PORT <n>" once listening; exits when its standard input closes.
-mode(compile).

main([Ebin, SysDir, UserDir | Rest]) ->
    true = code:add_patha(Ebin),
    logger:set_primary_config(level, warning),
    Port = case Rest of [P] -> list_to_integer(P); [] -> 0 end,
    {ok, _} = application:ensure_all_started(sshrpc),
    {Name, Handler} = sshrpc:subsystem_spec(
                        [{exports, [{sshrpc_test_funs, '*'}, {lists, seq, 2}, {lists, sum, 1},
                                    {lists, nth, 2}]},
                         {policy, fun(_User, sshrpc_test_funs, secret, 0) -> deny;
                                     (_, _, _, _) -> allow
                                  end}]),
    {ok, Ref} = ssh:daemon({127, 0, 0, 1}, Port,
                           [{system_dir, SysDir}, {user_dir, UserDir},
                            {auth_methods, "publickey"}, {nodelay, true},
                            {shell, disabled}, {exec, disabled},
                            {subsystems, [{Name, Handler}, {"sshrpc", Handler}]}]),
    {ok, Info} = ssh:daemon_info(Ref),
    {port, Bound} = lists:keyfind(port, 1, Info),
    io:format("PORT ~p~n", [Bound]),
    wait_stdin_eof().

wait_stdin_eof() ->
    case io:get_line("") of
        eof -> halt(0);
        {error, _} -> halt(0);
        _ -> wait_stdin_eof()
    end.
