#!/usr/bin/env escript
%% A v1 sshrpc client written with OTP's ssh application, as the 2010 prototype's client was.
%% Usage: v1_client.escript Port UserDir User
%% Prints one line per check, "ok Name ..." or "FAIL Name Detail", and exits 0 only if all pass.
-mode(compile).

main([PortS, UserDir, User]) ->
    ok = ssh:start(),
    {ok, C} = ssh:connect("127.0.0.1", list_to_integer(PortS),
                          [{user, User}, {user_dir, UserDir},
                           {silently_accept_hosts, true}, {user_interaction, false},
                           {auth_methods, "publickey"}, {save_accepted_host, false}],
                          10000),
    {ok, Ch} = ssh_connection:session_channel(C, 10000),
    success = ssh_connection:subsystem(C, Ch, "sshrpc@k2r.org", 10000),
    S = {C, Ch},
    Results = [
        check(seq, fun() ->
            expect({answer, {lists:seq(1, 100), 0}}, call(S, {mfa, {lists, seq, [1, 100]}}))
        end),
        check(undef, fun() ->
            case call(S, {mfa, {nosuch, f, [1]}}) of
                {answer, {{exec_badrpc, {'EXIT', {undef, _}}}, -1}} -> ok;
                Other -> {fail, Other}
            end
        end),
        check(sequential_1000, fun() ->
            T0 = erlang:monotonic_time(millisecond),
            R = lists:foldl(
                  fun(_, ok) -> expect({answer, {lists:seq(1, 100), 0}}, call(S, {mfa, {lists, seq, [1, 100]}}));
                     (_, Err) -> Err
                  end, ok, lists:seq(1, 1000)),
            T1 = erlang:monotonic_time(millisecond),
            io:format("info sequential_1000 ~p ms~n", [T1 - T0]),
            R
        end),
        check(batched, fun() ->
            Frames = [frame({mfa, {sshrpc, echo, [N]}}) || N <- lists:seq(1, 16)],
            ok = ssh_connection:send(C, Ch, iolist_to_binary(Frames)),
            Replies = [recv(S) || _ <- lists:seq(1, 16)],
            expect([{answer, {N, 0}} || N <- lists:seq(1, 16)], Replies)
        end),
        check(split, fun() ->
            <<A:3/binary, B:5/binary, Rest/binary>> = frame({mfa, {lists, reverse, [[1, 2, 3]]}}),
            [ok = ssh_connection:send(C, Ch, P) || P <- [A, B, Rest]],
            expect({answer, {[3, 2, 1], 0}}, recv(S))
        end),
        check(flat_shape, fun() ->
            expect({answer, {pong, 0}}, call(S, {mfa, sshrpc, ping, []}))
        end)
    ],
    ssh:close(C),
    case lists:all(fun(R) -> R =:= ok end, Results) of
        true -> halt(0);
        false -> halt(1)
    end.

check(Name, F) ->
    R = try F() catch Class:Reason -> {fail, {Class, Reason}} end,
    case R of
        ok -> io:format("ok ~p~n", [Name]), ok;
        {fail, D} -> io:format("FAIL ~p ~0p~n", [Name, D]), fail
    end.

expect(Want, Want) -> ok;
expect(Want, Got) -> {fail, {expected, Want, got, Got}}.

frame(Term) ->
    B = term_to_binary(Term),
    <<(byte_size(B)):32/big, B/binary>>.

call({C, Ch} = S, Req) ->
    ok = ssh_connection:send(C, Ch, frame(Req)),
    recv(S).

%% Reads one reply frame, keeping any extra bytes for the next call.
recv({C, Ch}) ->
    Buf = case get(buf) of undefined -> <<>>; B -> B end,
    recv(C, Ch, Buf).

recv(C, Ch, <<Len:32/big, Body:Len/binary, Rest/binary>>) ->
    put(buf, Rest),
    binary_to_term(Body);
recv(C, Ch, Buf) ->
    receive
        {ssh_cm, C, {data, Ch, 0, Data}} ->
            ssh_connection:adjust_window(C, Ch, byte_size(Data)),
            recv(C, Ch, <<Buf/binary, Data/binary>>);
        {ssh_cm, C, {eof, Ch}} -> exit(eof);
        {ssh_cm, C, {closed, Ch}} -> exit(closed)
    after 10000 -> exit(timeout)
    end.
