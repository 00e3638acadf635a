#!/usr/bin/env escript
%% A v1 sshrpc server as in Rikitake's 2010 prototype: OTP's ssh daemon with the subsystem
%% sshrpc@k2r.org, frames <<Len:32/big, ETF>>, {mfa,{M,F,A}} applied with apply/3 and answered
%% with {answer,{Reply,Status}}. Unlike the seed, the reply length is computed for each reply.
%%
%% Usage: sshrpc_v1_server.escript SystemDir UserDir [Port]
%% Prints "PORT <n>" once listening on 127.0.0.1; exits when its standard input closes.
-module(sshrpc_v1_server).
-behaviour(ssh_server_channel).
-export([main/1, init/1, handle_msg/2, handle_ssh_msg/2, terminate/2]).
-mode(compile).

main([SysDir, UserDir | Rest]) ->
    Port = case Rest of [P] -> list_to_integer(P); [] -> 0 end,
    ok = ssh:start(),
    {ok, Ref} = ssh:daemon({127,0,0,1}, Port,
                           [{system_dir, SysDir},
                            {user_dir, UserDir},
                            {auth_methods, "publickey"},
                            {subsystems, [{"sshrpc@k2r.org", {?MODULE, []}}]},
                            {ssh_cli, no_cli}]),
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

init(_Args) -> {ok, <<>>}.

handle_msg({ssh_channel_up, _Ch, _Conn}, Buf) -> {ok, Buf};
handle_msg(_Msg, Buf) -> {ok, Buf}.

handle_ssh_msg({ssh_cm, Conn, {data, Ch, 0, Data}}, Buf) ->
    Rest = frames(Conn, Ch, <<Buf/binary, Data/binary>>),
    ssh_connection:adjust_window(Conn, Ch, byte_size(Data)),
    {ok, Rest};
handle_ssh_msg({ssh_cm, _Conn, {data, _Ch, _Type, _Data}}, Buf) -> {ok, Buf};
handle_ssh_msg({ssh_cm, _Conn, {eof, _Ch}}, Buf) -> {ok, Buf};
handle_ssh_msg({ssh_cm, _Conn, {signal, _Ch, _}}, Buf) -> {ok, Buf};
handle_ssh_msg({ssh_cm, _Conn, {exit_signal, Ch, _, _, _}}, Buf) -> {stop, Ch, Buf};
handle_ssh_msg({ssh_cm, _Conn, {exit_status, Ch, _}}, Buf) -> {stop, Ch, Buf};
handle_ssh_msg(_Msg, Buf) -> {ok, Buf}.

terminate(_Reason, _Buf) -> ok.

%% Every whole frame in the buffer is answered in order; a partial one waits for more data.
frames(Conn, Ch, <<Len:32/big, Body:Len/binary, Rest/binary>>) ->
    Reply = term_to_binary(answer(Body)),
    ssh_connection:send(Conn, Ch, <<(byte_size(Reply)):32/big, Reply/binary>>),
    frames(Conn, Ch, Rest);
frames(_Conn, _Ch, Partial) -> Partial.

answer(Body) ->
    case catch binary_to_term(Body) of
        {mfa, {M, F, A}} when is_atom(M), is_atom(F), is_list(A) -> exec(M, F, A);
        {mfa, M, F, A} when is_atom(M), is_atom(F), is_list(A) -> exec(M, F, A);
        {'EXIT', _} -> {answer, {{exec_error, {badframe, <<"undecodable frame">>}}, -1}};
        Other -> {answer, {{exec_error, Other}, -1}}
    end.

exec(M, F, A) ->
    try apply(M, F, A) of
        Value -> {answer, {Value, 0}}
    catch
        error:Reason:Stack -> {answer, {{exec_badrpc, {'EXIT', {Reason, Stack}}}, -1}};
        exit:Reason -> {answer, {{exec_badrpc, {'EXIT', Reason}}, -1}};
        throw:Thrown -> {answer, {{exec_badrpc, {'EXIT', {nocatch, Thrown}}}, -1}}
    end.
