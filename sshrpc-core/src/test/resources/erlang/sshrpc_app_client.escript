#!/usr/bin/env escript
%% The Erlang sshrpc client (erlang/sshrpc) against a Java or an Erlang server, for the interop
%% tests; or, with target raw_v1, the seed's v1 requests from a bare OTP ssh client.
%% Usage: sshrpc_app_client.escript Ebin java|erlang|raw_v1 Port UserDir User
%% Prints one line per check, "ok Name" or "FAIL Name Detail", and exits 0 only if all pass.
-mode(compile).

main([Ebin, Target, PortS, UserDir, User]) ->
    true = code:add_patha(Ebin),
    logger:set_primary_config(level, error),
    {ok, _} = application:ensure_all_started(sshrpc),
    Port = list_to_integer(PortS),
    Opts = [{user, User}, {user_dir, UserDir}, {silently_accept_hosts, true},
            {save_accepted_host, false}, {connect_timeout, 20000}],
    Checks = case Target of
                 "raw_v1" -> raw_v1(Port, Opts);
                 _ -> checks(list_to_atom(Target), Port, Opts)
             end,
    Results = [check(N, F) || {N, F} <- Checks],
    case lists:all(fun(R) -> R =:= ok end, Results) of
        true -> halt(0);
        false -> halt(1)
    end.

%% What each server exports under which name.
funs(java) ->
    #{echo => {probe, echo}, sleep => {probe, sleep}, secret => {probe, secret},
      slept => ok, nosuch => {probe, nosuch}};
funs(erlang) ->
    #{echo => {sshrpc_test_funs, echo}, sleep => {sshrpc_test_funs, sleep},
      secret => {sshrpc_test_funs, secret}, slept => slept, nosuch => {sshrpc_test_funs, nosuch}}.

checks(Target, Port, Opts) ->
    Fs = funs(Target),
    {EM, EF} = maps:get(echo, Fs),
    {SM, SF} = maps:get(sleep, Fs),
    {ok, C} = sshrpc:connect("127.0.0.1", Port, Opts),
    [{sync, fun() ->
          expect(#{version => 2}, maps:with([version], sshrpc:info(C))),
          expect(lists:seq(1, 10), sshrpc:call(C, lists, seq, [1, 10])),
          expect({<<"bin">>, [1.5, "str"], #{k => v}}, sshrpc:call(C, EM, EF, [{<<"bin">>, [1.5, "str"], #{k => v}}], 10000))
      end},
     {timeout, fun() ->
          T0 = erlang:monotonic_time(millisecond),
          raises(error, {erpc, timeout}, fun() -> sshrpc:call(C, SM, SF, [5000], 200) end),
          T1 = erlang:monotonic_time(millisecond),
          T1 - T0 < 4000 orelse throw({fail, {took, T1 - T0}}),
          expect(<<"after timeout">>, sshrpc:call(C, EM, EF, [<<"after timeout">>], 10000))
      end},
     {cast, fun() -> cast(Target, C) end},
     {pipelined_10000, fun() ->
          expect(lists:seq(1, 10000), window(C, EM, EF, 1, 10000, 64, queue:new(), []))
      end},
     {out_of_order, fun() ->
          Slow = sshrpc:send_request(C, SM, SF, [3000]),
          Fast = sshrpc:send_request(C, EM, EF, [<<"fast">>]),
          expect({response, <<"fast">>}, sshrpc:wait_response(Fast, 5000)),
          expect(no_response, sshrpc:wait_response(Slow, 0)),
          expect(maps:get(slept, Fs), sshrpc:receive_response(Slow, 5000))
      end},
     {denied, fun() ->
          {M, F} = maps:get(secret, Fs),
          raises(error, {erpc, {sshrpc_denied, {M, F, 0}}}, fun() -> sshrpc:call(C, M, F, []) end)
      end},
     {undef, fun() ->
          {M, F} = maps:get(nosuch, Fs),
          raises(error, {exception, undef, [{M, F, [1], []}]}, fun() -> sshrpc:call(C, M, F, [1]) end)
      end},
     {raise, fun() -> raise(Target, C) end},
     {multicall, fun() ->
          {ok, C2} = sshrpc:connect("127.0.0.1", Port, Opts),
          Dead = spawn(fun() -> ok end),
          R = sshrpc:multicall([C, C2, Dead], lists, seq, [1, 3], 10000),
          expect([{ok, [1, 2, 3]}, {ok, [1, 2, 3]}, {error, {erpc, noconnection}}], R),
          sshrpc:close(C2)
      end},
     {v1_mode, fun() ->
          {ok, C1} = sshrpc:connect("127.0.0.1", Port, [{max_version, 1} | Opts]),
          expect(#{version => 1}, maps:with([version], sshrpc:info(C1))),
          expect(lists:seq(1, 100), sshrpc:call(C1, lists, seq, [1, 100])),
          {M, F} = maps:get(nosuch, Fs),
          raises(error, {exception, undef, [{M, F, [1], []}]}, fun() -> sshrpc:call(C1, M, F, [1]) end),
          sshrpc:close(C1)
      end},
     {dropped_connection, fun() ->
          {ProxyPort, Proxy} = proxy(Port),
          {ok, C3} = sshrpc:connect("127.0.0.1", ProxyPort, Opts),
          expect(ok, sshrpc:call(C3, EM, EF, [ok], 10000)),
          R = sshrpc:send_request(C3, SM, SF, [10000]),
          timer:sleep(200),
          Proxy ! drop,
          raises(error, {erpc, noconnection}, fun() -> sshrpc:receive_response(R, 10000) end),
          raises(error, {erpc, noconnection}, fun() -> sshrpc:call(C3, EM, EF, [x], 10000) end)
      end},
     {close, fun() -> expect(ok, sshrpc:close(C)) end}].

cast(java, C) ->
    %% The Java test asserts that probe:hit received this.
    expect(ok, sshrpc:cast(C, probe, hit, [<<"cast-1">>]));
cast(erlang, C) ->
    Key = erlang:unique_integer([positive]),
    expect(ok, sshrpc:cast(C, sshrpc_test_funs, mark, [Key])),
    poll(fun() -> sshrpc:call(C, sshrpc_test_funs, marked, [Key], 5000) end, 100).

poll(F, 0) -> throw({fail, {not_true, F}});
poll(F, N) ->
    case F() of
        true -> ok;
        false -> timer:sleep(50), poll(F, N - 1)
    end.

raise(java, C) ->
    %% probe:raise(R) throws ErlangException(R); probe:fail() a Java exception.
    raises(exit, {exception, boom}, fun() -> sshrpc:call(C, probe, raise, [boom]) end),
    raises(error, {exception, {java_exception, <<"java.lang.IllegalStateException">>, <<"broken">>}, []},
           fun() -> sshrpc:call(C, probe, fail, []) end),
    raises(error, {exception, function_clause, [{lists, nth, [5, [a]], []}]},
           fun() -> sshrpc:call(C, lists, nth, [5, [a]]) end);
raise(erlang, C) ->
    raises(error, {exception, badarg, [{sshrpc_test_funs, raise, 1, []}]},
           fun() -> sshrpc:call(C, sshrpc_test_funs, raise, [badarg]) end),
    %% Arguments hold only atoms the server has (it decodes with [safe]): binaries here.
    raises(exit, {exception, <<"bye">>}, fun() -> sshrpc:call(C, sshrpc_test_funs, exit_with, [<<"bye">>]) end),
    raises(throw, <<"ball">>, fun() -> sshrpc:call(C, sshrpc_test_funs, throw_it, [<<"ball">>]) end).

%% Keeps Depth requests in flight; collects the replies in request order.
window(_C, _M, _F, I, N, _Depth, Q, Acc) when I > N ->
    lists:reverse(Acc, [sshrpc:receive_response(R, 30000) || R <- queue:to_list(Q)]);
window(C, M, F, I, N, Depth, Q, Acc) ->
    case queue:len(Q) < Depth of
        true -> window(C, M, F, I + 1, N, Depth, queue:in(sshrpc:send_request(C, M, F, [I]), Q), Acc);
        false ->
            {{value, R}, Q1} = queue:out(Q),
            window(C, M, F, I, N, Depth, Q1, [sshrpc:receive_response(R, 30000) | Acc])
    end.

%% A TCP relay on loopback that cuts both sides on `drop`.
proxy(Port) ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, true}, {ip, {127, 0, 0, 1}}]),
    {ok, P} = inet:port(L),
    Pid = spawn(fun() ->
                    {ok, A} = gen_tcp:accept(L),
                    {ok, B} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, true}]),
                    relay(A, B)
                end),
    ok = gen_tcp:controlling_process(L, Pid),
    {P, Pid}.

relay(A, B) ->
    receive
        {tcp, A, D} -> gen_tcp:send(B, D), relay(A, B);
        {tcp, B, D} -> gen_tcp:send(A, D), relay(A, B);
        drop -> gen_tcp:close(A), gen_tcp:close(B);
        {tcp_closed, _} -> gen_tcp:close(A), gen_tcp:close(B)
    end.

%%---------------------------------------------------------------- the seed's v1, by hand

raw_v1(Port, Opts) ->
    SshOpts = [{user_interaction, false} | proplists:delete(connect_timeout, Opts)],
    {ok, Cm} = ssh:connect("127.0.0.1", Port, SshOpts, 20000),
    {ok, Ch} = ssh_connection:session_channel(Cm, 10000),
    success = ssh_connection:subsystem(Cm, Ch, "sshrpc@k2r.org", 10000),
    S = {Cm, Ch},
    [{seq, fun() -> expect({answer, {lists:seq(1, 100), 0}}, call(S, {mfa, {lists, seq, [1, 100]}})) end},
     {flat_shape, fun() -> expect({answer, {[1, 2, 3], 0}}, call(S, {mfa, lists, seq, [1, 3]})) end},
     {longer_reply, fun() ->
          expect({answer, {binary:copy(<<"x">>, 5000), 0}}, call(S, {mfa, {sshrpc_test_funs, big, [5000]}}))
      end},
     {undef, fun() ->
          expect({answer, {{exec_badrpc, {'EXIT', {undef, [{sshrpc_test_funs, nosuch, [1], []}]}}}, -1}},
                 call(S, {mfa, {sshrpc_test_funs, nosuch, [1]}}))
      end},
     {denied, fun() ->
          expect({answer, {{exec_badrpc, {'EXIT', {sshrpc_denied, {sshrpc_test_funs, secret, 0}}}}, -1}},
                 call(S, {mfa, {sshrpc_test_funs, secret, []}}))
      end},
     {raise, fun() ->
          expect({answer, {{exec_badrpc, {'EXIT', {badarg, [{sshrpc_test_funs, raise, 1, []}]}}}, -1}},
                 call(S, {mfa, {sshrpc_test_funs, raise, [badarg]}}))
      end},
     {not_mfa, fun() -> expect({answer, {{exec_error, hello}, -1}}, call(S, hello)) end},
     {batched_in_order, fun() ->
          Frames = [frame({mfa, {sshrpc_test_funs, echo, [N]}}) || N <- lists:seq(1, 32)],
          ok = ssh_connection:send(Cm, Ch, iolist_to_binary(Frames)),
          expect([{answer, {N, 0}} || N <- lists:seq(1, 32)], [recv(S) || _ <- lists:seq(1, 32)])
      end},
     {split, fun() ->
          <<A:3/binary, B:5/binary, Rest/binary>> = frame({mfa, {lists, sum, [[1, 2, 3]]}}),
          [ok = ssh_connection:send(Cm, Ch, Part) || Part <- [A, B, Rest]],
          expect({answer, {6, 0}}, recv(S))
      end},
     {close, fun() -> ssh:close(Cm) end}].

frame(Term) ->
    B = term_to_binary(Term),
    <<(byte_size(B)):32/big, B/binary>>.

call({Cm, Ch} = S, Req) ->
    ok = ssh_connection:send(Cm, Ch, frame(Req)),
    recv(S).

recv({Cm, Ch}) ->
    Buf = case get(buf) of undefined -> <<>>; B -> B end,
    recv(Cm, Ch, Buf).

recv(_Cm, _Ch, <<Len:32/big, Body:Len/binary, Rest/binary>>) ->
    put(buf, Rest),
    binary_to_term(Body);
recv(Cm, Ch, Buf) ->
    receive
        {ssh_cm, Cm, {data, Ch, 0, Data}} ->
            ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
            recv(Cm, Ch, <<Buf/binary, Data/binary>>);
        {ssh_cm, Cm, {eof, Ch}} -> exit(eof);
        {ssh_cm, Cm, {closed, Ch}} -> exit(closed)
    after 10000 -> exit(timeout)
    end.

%%---------------------------------------------------------------- checks

check(Name, F) ->
    R = try F(), ok catch
            throw:{fail, Why} -> {fail, Why};
            Class:Reason:St -> {fail, {Class, Reason, St}}
        end,
    case R of
        ok -> io:format("ok ~p~n", [Name]), ok;
        {fail, D} -> io:format("FAIL ~p ~0P~n", [Name, D, 40]), fail
    end.

expect(Want, Want) -> ok;
expect(Want, Got) -> throw({fail, {expected, Want, got, Got}}).

raises(Class, Reason, F) ->
    try F() of
        V -> throw({fail, {expected_exception, Class, Reason, returned, V}})
    catch
        Class:Reason -> ok;
        C:R -> throw({fail, {expected_exception, Class, Reason, got, C, R}})
    end.
