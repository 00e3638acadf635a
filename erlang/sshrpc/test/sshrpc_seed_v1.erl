%% A v1-only server as the seed's prototype (apply/3 under catch, {answer, {Reply, Status}}),
%% with its reply-length bug fixed: what the client must fall back to v1 against.
-module(sshrpc_seed_v1).
-behaviour(ssh_server_channel).
-export([init/1, handle_msg/2, handle_ssh_msg/2, terminate/2]).

init(_) -> {ok, <<>>}.

handle_msg(_Msg, Buf) -> {ok, Buf}.

handle_ssh_msg({ssh_cm, Cm, {data, Ch, 0, Data}}, Buf) ->
    Rest = frames(Cm, Ch, <<Buf/binary, Data/binary>>),
    ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
    {ok, Rest};
handle_ssh_msg({ssh_cm, _, {eof, Ch}}, Buf) -> {stop, Ch, Buf};
handle_ssh_msg({ssh_cm, _, {exit_signal, Ch, _, _, _}}, Buf) -> {stop, Ch, Buf};
handle_ssh_msg({ssh_cm, _, {exit_status, Ch, _}}, Buf) -> {stop, Ch, Buf};
handle_ssh_msg(_, Buf) -> {ok, Buf}.

terminate(_, _) -> ok.

frames(Cm, Ch, <<Len:32, Body:Len/binary, Rest/binary>>) ->
    Reply = term_to_binary({answer, exec(binary_to_term(Body))}),
    ssh_connection:send(Cm, Ch, <<(byte_size(Reply)):32, Reply/binary>>),
    frames(Cm, Ch, Rest);
frames(_, _, Partial) -> Partial.

exec({mfa, {M, F, A}}) ->
    case catch apply(M, F, A) of
        {'EXIT', _} = Exit -> {{exec_badrpc, Exit}, -1};
        Reply -> {Reply, 0}
    end;
exec(Error) ->
    {{exec_error, Error}, -1}.
