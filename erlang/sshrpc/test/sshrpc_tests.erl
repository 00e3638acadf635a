%% EUnit tests of the sshrpc application alone: the Erlang client against the Erlang server
%% over real SSH on loopback, raw OTP ssh clients speaking the seed's v1, and the pieces.
-module(sshrpc_tests).
-include_lib("eunit/include/eunit.hrl").
-compile([export_all, nowarn_export_all]).

-define(F, sshrpc_test_funs).

%%---------------------------------------------------------------- fixture

setup() ->
    logger:set_primary_config(level, warning),
    {ok, _} = application:ensure_all_started(sshrpc),
    Dir = filename:join(["/tmp", "sshrpc_eunit_" ++ integer_to_list(erlang:unique_integer([positive]))]),
    Sys = filename:join(Dir, "system"),
    User = filename:join(Dir, "user"),
    ok = filelib:ensure_dir(filename:join(Sys, "x")),
    ok = filelib:ensure_dir(filename:join(User, "x")),
    write_key(filename:join(Sys, "ssh_host_ecdsa_key")),
    Pub = write_key(filename:join(User, "id_ecdsa")),
    ok = file:write_file(filename:join(User, "authorized_keys"),
                         ssh_file:encode([{Pub, [{comment, "eunit"}]}], auth_keys)),
    {ok, Seed} = ssh:daemon({127, 0, 0, 1}, 0, [{system_dir, Sys}, {user_dir, User},
                                              {subsystems, [{"sshrpc@k2r.org", {sshrpc_seed_v1, []}}]},
                                              {shell, disabled}, {exec, disabled}]),
    {ok, SeedInfo} = ssh:daemon_info(Seed),
    {port, SeedPort} = lists:keyfind(port, 1, SeedInfo),
    Spec = sshrpc:subsystem_spec(
             [{exports, [{?F, '*'}, {lists, seq, 2}]},
              {policy, fun("bob", ?F, sleep, _) -> deny; (_, _, _, _) -> allow end},
              {max_in_flight, 64}, {max_frame, 100000}]),
    {ok, D} = ssh:daemon({127, 0, 0, 1}, 0, [{system_dir, Sys}, {user_dir, User},
                                            {subsystems, [Spec]}, {nodelay, true},
                                            {shell, disabled}, {exec, disabled}]),
    {ok, Info} = ssh:daemon_info(D),
    {port, Port} = lists:keyfind(port, 1, Info),
    #{daemon => D, port => Port, user_dir => User, sys => Sys, dir => Dir,
      seed => Seed, seed_port => SeedPort}.

cleanup(#{daemon := D, seed := Seed, dir := Dir}) ->
    ssh:stop_daemon(D),
    ssh:stop_daemon(Seed),
    os:cmd("rm -rf '" ++ Dir ++ "'").

write_key(Path) ->
    K = public_key:generate_key({namedCurve, secp256r1}),
    ok = file:write_file(Path, public_key:pem_encode([public_key:pem_entry_encode('ECPrivateKey', K)])),
    ok = file:change_mode(Path, 8#600),
    ssh_file:extract_public_key(K).

connect(Ctx) -> connect(Ctx, []).

connect(#{port := Port, user_dir := U}, More) ->
    {ok, C} = sshrpc:connect("127.0.0.1", Port, [{user, "alice"}, {user_dir, U},
                                                  {silently_accept_hosts, true} | More]),
    C.

all_test_() ->
    {setup, fun setup/0, fun cleanup/1,
     fun(Ctx) ->
         [{atom_to_list(T), {timeout, 60, fun() -> ?MODULE:T(Ctx) end}}
          || T <- [v2_call, errors_map_like_erpc, deadline_kills_the_call,
                   receive_response_timeout_cancels, cast_runs, pipelined_10000_in_order,
                   request_collections, multicall_mixed, policy_per_user,
                   v1_client_fallback_mode, falls_back_to_v1_against_the_seed, dropped_connection, close_fails_pending,
                   raw_v1_seed_shapes, raw_v2_limits_and_unserved, raw_unknown_atoms,
                   raw_frame_too_large, raw_hello_and_eof]]
     end}.

%%---------------------------------------------------------------- client <-> server

v2_call(Ctx) ->
    C = connect(Ctx),
    ?assertMatch(#{version := 2, server := #{max_in_flight := 64, max_frame := 100000}}, sshrpc:info(C)),
    ?assertEqual(lists:seq(1, 100), sshrpc:call(C, lists, seq, [1, 100])),
    ?assertEqual({a, <<"b">>, #{c => [1.5]}}, sshrpc:call(C, ?F, echo, [{a, <<"b">>, #{c => [1.5]}}], 5000)),
    ok = sshrpc:close(C).

errors_map_like_erpc(Ctx) ->
    C = connect(Ctx),
    ?assertError({exception, badarg, [{?F, raise, 1, []}]}, sshrpc:call(C, ?F, raise, [badarg])),
    ?assertExit({exception, bye}, sshrpc:call(C, ?F, exit_with, [bye])),
    ?assertThrow(ball, sshrpc:call(C, ?F, throw_it, [ball])),
    ?assertError({exception, undef, [{?F, nosuch, [1], []}]}, sshrpc:call(C, ?F, nosuch, [1])),
    ?assertError({erpc, {sshrpc_denied, {lists, reverse, 1}}}, sshrpc:call(C, lists, reverse, [[1]])),
    ?assertError({erpc, {sshrpc_denied, {erlang, halt, 0}}}, sshrpc:call(C, erlang, halt, [])),
    ?assertError({erpc, {badrequest, <<"funs are not accepted as arguments">>}},
                 sshrpc:call(C, ?F, echo, [fun erlang:halt/0])),
    ?assertError({erpc, {reply_too_large, _, 100000}}, sshrpc:call(C, ?F, big, [200000])),
    ?assertError({erpc, badarg}, sshrpc:call(C, "lists", seq, [1, 2])),
    %% The channel keeps serving after every failure.
    ?assertEqual([1, 2], sshrpc:call(C, lists, seq, [1, 2])),
    sshrpc:close(C),
    %% The client's max_frame, told in its hello, bounds the server's replies.
    Small = connect(Ctx, [{max_frame, 1000}]),
    ?assertError({erpc, {reply_too_large, 5023, 1000}}, sshrpc:call(Small, ?F, big, [5000])),
    ?assertEqual(900, byte_size(sshrpc:call(Small, ?F, big, [900]))),
    sshrpc:close(Small).

deadline_kills_the_call(Ctx) ->
    C = connect(Ctx),
    Key = {?MODULE, erlang:unique_integer()},
    %% Generous margins: the test must not pass or fail by how loaded the machine is.
    ?assertError({erpc, timeout}, sshrpc:call(C, ?F, sleep_then_mark, [1500, Key], 100)),
    timer:sleep(2000),
    ?assertEqual(not_set, persistent_term:get(Key, not_set)),
    ?assertEqual(done, sshrpc:call(C, ?F, sleep_then_mark, [10, Key], 5000)),
    sshrpc:close(C).

receive_response_timeout_cancels(Ctx) ->
    C = connect(Ctx),
    Key = {?MODULE, erlang:unique_integer()},
    R = sshrpc:send_request(C, ?F, sleep_then_mark, [1500, Key]),
    ?assertEqual(no_response, sshrpc:wait_response(R, 10)),
    ?assertError({erpc, timeout}, sshrpc:receive_response(R, 50)),
    timer:sleep(2000),
    ?assertEqual(not_set, persistent_term:get(Key, not_set)),
    R2 = sshrpc:send_request(C, ?F, echo, [x]),
    ?assertEqual({response, x}, sshrpc:wait_response(R2, 5000)),
    sshrpc:close(C).

cast_runs(Ctx) ->
    C = connect(Ctx),
    Name = list_to_atom("sshrpc_cast_" ++ integer_to_list(erlang:unique_integer([positive]))),
    register(Name, self()),
    ok = sshrpc:cast(C, ?F, notify, [Name, {hello, 1}]),
    ok = sshrpc:cast(C, ?F, raise, [ignored]),
    ?assertEqual({hello, 1}, receive {hello, _} = M -> M after 5000 -> timeout end),
    unregister(Name),
    sshrpc:close(C).

pipelined_10000_in_order(Ctx) ->
    C = connect(Ctx),
    ?assertEqual(lists:seq(1, 10000), window(C, 1, 10000, 64, queue:new(), [])),
    sshrpc:close(C).

%% Keeps Depth requests in flight; collects the replies in request order.
window(_C, I, N, _Depth, Q, Acc) when I > N ->
    lists:reverse(Acc, [sshrpc:receive_response(R, 10000) || R <- queue:to_list(Q)]);
window(C, I, N, Depth, Q, Acc) ->
    case queue:len(Q) < Depth of
        true -> window(C, I + 1, N, Depth, queue:in(sshrpc:send_request(C, ?F, echo, [I]), Q), Acc);
        false ->
            {{value, R}, Q1} = queue:out(Q),
            window(C, I, N, Depth, Q1, [sshrpc:receive_response(R, 10000) | Acc])
    end.

request_collections(Ctx) ->
    C = connect(Ctx),
    Coll0 = sshrpc:reqids_new(),
    Coll1 = sshrpc:reqids_add(sshrpc:send_request(C, ?F, sleep, [1000]), slow, Coll0),
    Coll2 = sshrpc:reqids_add(sshrpc:send_request(C, ?F, echo, [fast]), fast, Coll1),
    ?assertEqual(2, sshrpc:reqids_size(Coll2)),
    {fast, fast, Coll3} = sshrpc:receive_response(Coll2, 5000, true),
    {{response, slept}, slow, Coll4} = sshrpc:wait_response(Coll3, 5000, true),
    ?assertEqual(no_request, sshrpc:receive_response(Coll4, 100, true)),
    sshrpc:close(C).

multicall_mixed(Ctx) ->
    C1 = connect(Ctx),
    C2 = connect(Ctx),
    C3 = connect(Ctx),
    sshrpc:close(C3),
    ?assertEqual([{ok, 6}, {ok, 6}, {error, {erpc, noconnection}}],
                 sshrpc:multicall([C1, C2, C3], ?F, echo, [6], 5000)),
    ?assertEqual([{error, {exception, badarg, [{?F, raise, 1, []}]}},
                  {error, {exception, badarg, [{?F, raise, 1, []}]}}],
                 sshrpc:multicall([C1, C2], ?F, raise, [badarg])),
    ?assertEqual([{throw, t}, {throw, t}], sshrpc:multicall([C1, C2], ?F, throw_it, [t], 5000)),
    ?assertEqual([{error, {erpc, timeout}}, {error, {erpc, timeout}}],
                 sshrpc:multicall([C1, C2], ?F, sleep, [2000], 200)),
    sshrpc:close(C1),
    sshrpc:close(C2).

policy_per_user(Ctx) ->
    Bob = connect(Ctx, [{user, "bob"}]),
    ?assertError({erpc, {sshrpc_denied, {?F, sleep, 1}}}, sshrpc:call(Bob, ?F, sleep, [1])),
    ?assertEqual(ok, sshrpc:call(Bob, ?F, echo, [ok])),
    sshrpc:close(Bob).

v1_client_fallback_mode(Ctx) ->
    C = connect(Ctx, [{max_version, 1}]),
    ?assertMatch(#{version := 1}, sshrpc:info(C)),
    ?assertEqual([1, 2, 3], sshrpc:call(C, lists, seq, [1, 3])),
    ?assertError({exception, badarg, [{?F, raise, 1, []}]}, sshrpc:call(C, ?F, raise, [badarg])),
    ?assertError({erpc, {sshrpc_denied, {lists, reverse, 1}}}, sshrpc:call(C, lists, reverse, [[1]])),
    %% The seed's server ran apply under catch: a throw is an ordinary value in v1.
    ?assertEqual(ball, sshrpc:call(C, ?F, throw_it, [ball])),
    ?assertError({erpc, timeout}, sshrpc:call(C, ?F, sleep, [300], 50)),
    %% The late answer is consumed in its turn; the next call gets its own.
    ?assertEqual(42, sshrpc:call(C, ?F, echo, [42], 5000)),
    Rs = [sshrpc:send_request(C, ?F, echo, [I]) || I <- lists:seq(1, 200)],
    ?assertEqual(lists:seq(1, 200), [sshrpc:receive_response(R, 5000) || R <- Rs]),
    sshrpc:close(C).

%% The seed's server answers the hello {answer, {{exec_error, Hello}, -1}}: the client stays v1.
falls_back_to_v1_against_the_seed(#{seed_port := SeedPort} = Ctx) ->
    C = connect(Ctx#{port := SeedPort}),
    ?assertMatch(#{version := 1}, sshrpc:info(C)),
    ?assertEqual(lists:seq(1, 10), sshrpc:call(C, lists, seq, [1, 10])),
    ?assertError({exception, undef, [{?F, nosuch, [], _} | _]}, sshrpc:call(C, ?F, nosuch, [])),
    ?assertError({exception, badarg, [{?F, raise, 1, _} | _]}, sshrpc:call(C, ?F, raise, [badarg])),
    Rs = [sshrpc:send_request(C, ?F, echo, [I]) || I <- lists:seq(1, 100)],
    ?assertEqual(lists:seq(1, 100), [sshrpc:receive_response(R, 5000) || R <- Rs]),
    ok = sshrpc:cast(C, ?F, echo, [cast]),
    ?assertEqual(after_cast, sshrpc:call(C, ?F, echo, [after_cast], 5000)),
    ?assertEqual([{ok, 6}], sshrpc:multicall([C], lists, sum, [[1, 2, 3]], 5000)),
    sshrpc:close(C).

dropped_connection(#{port := Port} = Ctx) ->
    {ProxyPort, Proxy} = proxy(Port),
    C = connect(Ctx#{port := ProxyPort}),
    ?assertEqual(ok, sshrpc:call(C, ?F, echo, [ok])),
    R = sshrpc:send_request(C, ?F, sleep, [5000]),
    timer:sleep(100),
    Proxy ! drop,
    ?assertError({erpc, noconnection}, sshrpc:receive_response(R, 5000)),
    ?assertError({erpc, noconnection}, sshrpc:call(C, ?F, echo, [ok], 5000)).

close_fails_pending(Ctx) ->
    C = connect(Ctx),
    R = sshrpc:send_request(C, ?F, sleep, [5000]),
    timer:sleep(50),
    ok = sshrpc:close(C),
    ?assertError({erpc, noconnection}, sshrpc:receive_response(R, 5000)).

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

%%---------------------------------------------------------------- raw OTP ssh clients

raw(#{port := Port, user_dir := U}) ->
    {ok, Cm} = ssh:connect("127.0.0.1", Port, [{user, "alice"}, {user_dir, U},
                                             {silently_accept_hosts, true}, {user_interaction, false}]),
    {ok, Ch} = ssh_connection:session_channel(Cm, 5000),
    success = ssh_connection:subsystem(Cm, Ch, "sshrpc@k2r.org", 5000),
    {Cm, Ch}.

send_term({Cm, Ch}, T) -> send_bin({Cm, Ch}, term_to_binary(T)).

send_bin({Cm, Ch}, B) -> ok = ssh_connection:send(Cm, Ch, <<(byte_size(B)):32, B/binary>>).

send_terms({Cm, Ch}, Ts) ->
    ok = ssh_connection:send(Cm, Ch, [[<<(byte_size(B)):32>>, B] || T <- Ts, B <- [term_to_binary(T)]]).

recv(R) -> recv(R, <<>>).

recv({Cm, Ch} = R, Buf) ->
    case Buf of
        <<L:32, B:L/binary, _/binary>> -> binary_to_term(B);
        _ ->
            receive
                {ssh_cm, Cm, {data, Ch, 0, D}} ->
                    ssh_connection:adjust_window(Cm, Ch, byte_size(D)),
                    recv(R, <<Buf/binary, D/binary>>);
                {ssh_cm, Cm, {eof, Ch}} -> eof;
                {ssh_cm, Cm, {closed, Ch}} -> closed
            after 5000 -> timeout
            end
    end.

%% Several frames may come in one data message: keep the rest.
recv_n(R, N) -> recv_n(R, N, <<>>, []).

recv_n(_R, 0, _Buf, Acc) -> lists:reverse(Acc);
recv_n({Cm, Ch} = R, N, Buf, Acc) ->
    case Buf of
        <<L:32, B:L/binary, Rest/binary>> -> recv_n(R, N - 1, Rest, [binary_to_term(B) | Acc]);
        _ ->
            receive
                {ssh_cm, Cm, {data, Ch, 0, D}} ->
                    ssh_connection:adjust_window(Cm, Ch, byte_size(D)),
                    recv_n(R, N, <<Buf/binary, D/binary>>, Acc)
            after 5000 -> lists:reverse(Acc, [timeout])
            end
    end.

close_raw({Cm, _}) -> ssh:close(Cm).

raw_v1_seed_shapes(Ctx) ->
    R = raw(Ctx),
    send_term(R, {mfa, {lists, seq, [1, 10]}}),
    ?assertEqual({answer, {lists:seq(1, 10), 0}}, recv(R)),
    send_term(R, {mfa, lists, seq, [1, 3]}),
    ?assertEqual({answer, {[1, 2, 3], 0}}, recv(R)),
    %% Replies longer and shorter than their requests (the seed crashed on both).
    send_term(R, {mfa, {?F, big, [5000]}}),
    ?assertEqual({answer, {binary:copy(<<"x">>, 5000), 0}}, recv(R)),
    send_term(R, {mfa, {?F, echo, [binary:copy(<<"y">>, 3000)]}}),
    ?assertEqual({answer, {binary:copy(<<"y">>, 3000), 0}}, recv(R)),
    send_term(R, {mfa, {?F, echo, [{binary:copy(<<"y">>, 3000), x}]}}),
    send_term(R, hello),
    send_term(R, {mfa, {lists, reverse, [[1]]}}),
    send_term(R, {mfa, {?F, nosuch, []}}),
    send_term(R, {mfa, {?F, raise, [badarg]}}),
    send_term(R, {mfa, {"lists", seq, []}}),
    send_term(R, {mfa, {lists, seq, [1 | 2]}}),
    send_bin(R, <<131, 200, 1, 2>>),
    ?assertEqual([{answer, {{binary:copy(<<"y">>, 3000), x}, 0}},
                  {answer, {{exec_error, hello}, -1}},
                  {answer, {{exec_badrpc, {'EXIT', {sshrpc_denied, {lists, reverse, 1}}}}, -1}},
                  {answer, {{exec_badrpc, {'EXIT', {undef, [{?F, nosuch, [], []}]}}}, -1}},
                  {answer, {{exec_badrpc, {'EXIT', {badarg, [{?F, raise, 1, []}]}}}, -1}},
                  {answer, {{exec_error, {mfa, {"lists", seq, []}}}, -1}},
                  {answer, {{exec_error, {mfa, {lists, seq, [1 | 2]}}}, -1}},
                  {answer, {{exec_error, {badframe, <<"an atom this node does not have, or a malformed term (binary_to_term safe)">>}}, -1}}],
                 recv_n(R, 8)),
    %% A hello after the first frame is not a hello: the channel stays v1.
    send_term(R, {sshrpc_hello, 2, #{}}),
    ?assertEqual({answer, {{exec_error, {sshrpc_hello, 2, #{}}}, -1}}, recv(R)),
    close_raw(R).

raw_v2_limits_and_unserved(Ctx) ->
    R = raw(Ctx),
    send_term(R, {sshrpc_hello, 2, #{frame_errors => true}}),
    {sshrpc_hello, 2, Info} = recv(R),
    ?assertMatch(#{node := _, max_in_flight := 64, max_frame := 100000, frame_errors := true}, Info),
    %% All in one SSH message, and sleeps long enough that none of the 64 ends meanwhile.
    send_terms(R, [{call, I, ?F, sleep, [2000], 10000} || I <- lists:seq(1, 65)]
                  ++ [{call, 99, ?F, echo, [x], infinity},
                      {spawn, 7, ?F, echo, []},
                      {send, self(), x},
                      {call, 100, ?F, sleep, [2000], 50},
                      {call, 101, ?F, sleep, [2000], infinity},
                      {cancel, 101}]),
    Replies = recv_n(R, 70),
    ?assertEqual(lists:sort([{reply, I, ok, slept} || I <- lists:seq(1, 64)]
                            ++ [{reply, 65, error, overloaded}, {reply, 99, error, overloaded},
                                {reply, 7, error, {badrequest, {spawn, 7, ?F, echo, []}}},
                                {error, badrequest, {send, self(), x}, {frame, 69}},
                                {reply, 100, error, overloaded}, {reply, 101, error, overloaded}]),
                 lists:sort(Replies)),
    %% Room again. An improper argument list is a bad request; a deadline past 2^32 ms is none.
    send_term(R, {call, 203, ?F, echo, [a | b], 1000}),
    ?assertEqual({reply, 203, error, {badrequest, {call, 203, ?F, echo, [a | b], 1000}}}, recv(R)),
    send_term(R, {call, 204, ?F, echo, [x], 1 bsl 40}),
    ?assertEqual({reply, 204, ok, x}, recv(R)),
    %% Deadline and cancel stop running calls.
    send_term(R, {call, 200, ?F, sleep, [2000], 50}),
    send_term(R, {call, 201, ?F, sleep, [2000], infinity}),
    send_term(R, {cancel, 201}),
    send_term(R, {call, 202, ?F, sleep, [300], 1000}),
    send_term(R, {call, 202, ?F, echo, [y], 1000}),
    ?assertEqual(lists:sort([{reply, 200, error, timeout}, {reply, 201, error, cancelled},
                             {reply, 202, ok, slept}, {reply, 202, error, {badrequest, <<"duplicate id">>}}]),
                 lists:sort(recv_n(R, 4))),
    close_raw(R).

raw_unknown_atoms(Ctx) ->
    R = raw(Ctx),
    send_term(R, {sshrpc_hello, 2, #{}}),
    {sshrpc_hello, 2, _} = recv(R),
    Atom = fun(T) -> <<119, (byte_size(T)), T/binary>> end,
    Call = fun(Id, M, F, Args) ->
               <<131, 104, 6, (Atom(<<"call">>))/binary, 97, Id, (Atom(M))/binary,
                 (Atom(F))/binary, Args/binary, (Atom(<<"infinity">>))/binary>>
           end,
    Unknown = <<"sshrpc_no_such_atom_ever_", (integer_to_binary(erlang:unique_integer([positive])))/binary>>,
    send_bin(R, Call(1, <<"sshrpc_test_funs">>, Unknown, <<106>>)),
    send_bin(R, Call(2, Unknown, <<"f">>, <<108, 1:32, 97, 1, 106>>)),
    send_bin(R, Call(3, <<"sshrpc_test_funs">>, <<"echo">>, <<108, 1:32, (Atom(Unknown))/binary, 106>>)),
    send_bin(R, Call(4, <<"lists">>, <<"reverse">>, <<108, 1:32, (Atom(Unknown))/binary, 106>>)),
    send_bin(R, Call(5, <<"lists">>, Unknown, <<108, 1:32, 97, 1, 106>>)),
    ?assertEqual([{1, {'EXIT', {undef, [{?F, Unknown, [], []}]}}},
                  {2, {sshrpc_denied, {Unknown, f, 1}}},
                  {3, {badrequest, <<"an atom this node does not have, or a malformed term (binary_to_term safe)">>}},
                  {4, {sshrpc_denied, {lists, reverse, 1}}},
                  {5, {sshrpc_denied, {lists, Unknown, 1}}}],
                 [{Id, fix(Reason, Unknown)} || {reply, Id, error, Reason} <- recv_n(R, 5)]),
    %% v1 requests on the v2 channel: answered in the v1 shape.
    send_bin(R, <<131, 104, 2, (Atom(<<"mfa">>))/binary, 104, 3, (Atom(<<"sshrpc_test_funs">>))/binary,
                  (Atom(Unknown))/binary, 106>>),
    ?assertEqual({answer, {{exec_badrpc, {'EXIT', {undef, [{?F, Unknown, [], []}]}}}, -1}},
                 fix(recv(R), Unknown)),
    close_raw(R).

%% The unknown name decodes as an atom here (the test decodes without [safe]); compare as text.
fix({sshrpc_denied, {M, F, A}}, U) -> {sshrpc_denied, {text(M, U), text(F, U), A}};
fix({'EXIT', {undef, [{M, F, A, L}]}}, U) -> {'EXIT', {undef, [{M, text(F, U), A, L}]}};
fix({answer, {{exec_badrpc, E}, -1}}, U) -> {answer, {{exec_badrpc, fix(E, U)}, -1}};
fix(R, _) -> R.

text(A, U) -> case atom_to_binary(A) of U -> U; _ -> A end.

raw_frame_too_large(Ctx) ->
    R = raw(Ctx),
    send_term(R, {sshrpc_hello, 2, #{frame_errors => true}}),
    {sshrpc_hello, 2, _} = recv(R),
    send_bin(R, binary:copy(<<0>>, 100001)),
    ?assertEqual({error, frame_too_large, {100001, 100000}, {frame, 2}}, recv(R)),
    ?assertEqual(closed, recv(R)),
    close_raw(R).

raw_hello_and_eof(Ctx) ->
    {Cm, Ch} = R = raw(Ctx),
    send_term(R, {sshrpc_hello, 3, #{client => <<"future">>}}),
    {sshrpc_hello, 2, Info} = recv(R),
    ?assertEqual(false, maps:is_key(frame_errors, Info)),
    send_term(R, {call, 1, ?F, sleep, [200], infinity}),
    ok = ssh_connection:send_eof(Cm, Ch),
    %% After the client's EOF, what is pending is still answered.
    ?assertEqual({reply, 1, ok, slept}, recv(R)),
    close_raw(R).

%%---------------------------------------------------------------- pieces

peek_test() ->
    {call, 5, <<"m">>, <<"f">>, 2, A1} = sshrpc_etf:peek(term_to_binary({call, 5, m, f, [a, b], infinity})),
    ?assertMatch({[a, b], _}, binary_to_term(A1, [used])),
    {call, 300, <<"m">>, <<"f">>, 3, A2} = sshrpc_etf:peek(term_to_binary({call, 300, m, f, "abc", 1})),
    ?assertMatch({"abc", _}, binary_to_term(A2, [used])),
    ?assertMatch({mfa, <<"m">>, <<"f">>, 0, _}, sshrpc_etf:peek(term_to_binary({mfa, {m, f, []}}))),
    ?assertMatch({mfa, <<"m">>, <<"f">>, 1, _}, sshrpc_etf:peek(term_to_binary({mfa, m, f, [x]}))),
    ?assertMatch({cast, <<"m">>, <<"é"/utf8>>, 0, _}, sshrpc_etf:peek(term_to_binary({cast, m, 'é', []}))),
    ?assertEqual({id, 7}, sshrpc_etf:peek(term_to_binary({spawn, 7, m, f, []}))),
    ?assertEqual({id, 1 bsl 40}, sshrpc_etf:peek(term_to_binary({call, 1 bsl 40, "m", f, [], 1}))),
    ?assertEqual(unreadable, sshrpc_etf:peek(<<131, 104>>)),
    ?assertEqual(unreadable, sshrpc_etf:peek(term_to_binary(hello))).

denied_encoding_test() ->
    ?assertEqual({reply, 9, error, {sshrpc_denied, {m, f, 2}}},
                 binary_to_term(sshrpc_etf:denied_v2(9, <<"m">>, <<"f">>, 2))),
    ?assertEqual({answer, {{exec_badrpc, {'EXIT', {sshrpc_denied, {m, 'é', 0}}}}, -1}},
                 binary_to_term(sshrpc_etf:denied_v1(<<"m">>, <<"é"/utf8>>, 0))).

options_test() ->
    ?assertError({badarg, {sshrpc_export, {m}}}, sshrpc:subsystem_spec([{exports, [{m}]}])),
    ?assertError({badarg, {sshrpc_option, bogus}}, sshrpc:subsystem_spec([bogus])),
    ?assertMatch({"sshrpc@k2r.org", {sshrpc_server, _}}, sshrpc:subsystem_spec([])).
