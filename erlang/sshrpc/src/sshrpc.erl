%% @doc sshrpc: call Erlang or Java nodes over SSH, shaped after erpc, and serve Erlang
%% functions to them as an ssh:daemon subsystem.
%%
%% A connection (connect/3) is one SSH connection with one sshrpc@k2r.org channel, owned by a
%% process of the sshrpc application (it outlives the caller; close/1 ends it). Calls fail as
%% erpc:call fails: see docs/erlang.md for the exact mapping.
-module(sshrpc).

-export([connect/3, close/1, info/1,
         call/4, call/5, cast/4,
         send_request/4, receive_response/1, receive_response/2, receive_response/3,
         wait_response/1, wait_response/2, wait_response/3,
         reqids_new/0, reqids_add/3, reqids_size/1, reqids_to_list/1,
         multicall/4, multicall/5,
         subsystem_spec/1]).

-export_type([conn/0, request_id/0, request_id_collection/0]).

-opaque conn() :: pid().
-opaque request_id() :: {sshrpc_req, reference(), pid()}.
-opaque request_id_collection() :: #{reference() => {term(), pid()}}.
-type timeout_ms() :: 0..4294967295 | infinity.

%%---------------------------------------------------------------- connections

%% Connects to an sshrpc server (Java or Erlang) and opens the subsystem. Opts go to
%% ssh:connect/4 (user, user_dir, silently_accept_hosts, key_cb, ...), with these added:
%% {connect_timeout, Ms} (default 15000) for the whole set-up including the hello;
%% {max_version, 1} to speak only v1; {max_frame, Bytes} the largest reply accepted (default
%% 64 MiB, told to the server); {safe_decode, true} to decode replies with [safe].
-spec connect(ssh:host(), inet:port_number(), list()) -> {ok, conn()} | {error, term()}.
connect(Host, Port, Opts) when is_list(Opts) ->
    {ok, _} = application:ensure_all_started(sshrpc),
    Tag = make_ref(),
    Timeout = proplists:get_value(connect_timeout, Opts, 15000),
    case sshrpc_sup:start_connection([self(), Tag, Host, Port, Opts]) of
        {ok, Pid} ->
            Mon = erlang:monitor(process, Pid),
            receive
                {Tag, ok} ->
                    erlang:demonitor(Mon, [flush]),
                    {ok, Pid};
                {Tag, {error, Reason}} ->
                    erlang:demonitor(Mon, [flush]),
                    {error, Reason};
                {'DOWN', Mon, process, Pid, Reason} ->
                    {error, Reason}
            after Timeout + 5000 ->
                erlang:demonitor(Mon, [flush]),
                exit(Pid, kill),
                {error, timeout}
            end;
        {error, Reason} ->
            {error, Reason}
    end.

%% Closes the connection; calls still in flight fail with {erpc, noconnection}.
-spec close(conn()) -> ok.
close(Conn) when is_pid(Conn) ->
    try request(Conn, '$sshrpc_close', 5000) of _ -> ok
    catch error:{erpc, _} -> ok
    end.

%% #{version => 1 | 2, server => ServerHelloOptions}.
-spec info(conn()) -> map().
info(Conn) when is_pid(Conn) ->
    request(Conn, '$sshrpc_info', 5000).

request(Conn, Tag, Timeout) ->
    Alias = erlang:monitor(process, Conn, [{alias, demonitor}]),
    Conn ! {Tag, Alias},
    receive_response({sshrpc_req, Alias, Conn}, Timeout).

%%---------------------------------------------------------------- calls

%% As erpc:call(Node, M, F, A): waits as long as it takes.
-spec call(conn(), atom(), atom(), [term()]) -> term().
call(Conn, M, F, A) ->
    call(Conn, M, F, A, infinity).

%% As erpc:call/5. Timeout (ms) is also sent to the server (v2) as the call's deadline, where
%% the worker running it is stopped when it passes.
-spec call(conn(), atom(), atom(), [term()], timeout_ms()) -> term().
call(Conn, M, F, A, Timeout) ->
    check(Conn, M, F, A),
    check_timeout(Timeout),
    receive_response(request_t(Conn, M, F, A, Timeout), Timeout).

%% As erpc:cast/4: always ok; errors are the server's to log.
-spec cast(conn(), atom(), atom(), [term()]) -> ok.
cast(Conn, M, F, A) ->
    check(Conn, M, F, A),
    Conn ! {'$sshrpc_cast', M, F, A},
    ok.

%% As erpc:send_request/4; the reply is collected by receive_response or wait_response.
-spec send_request(conn(), atom(), atom(), [term()]) -> request_id().
send_request(Conn, M, F, A) ->
    check(Conn, M, F, A),
    request_t(Conn, M, F, A, infinity).

request_t(Conn, M, F, A, Timeout) ->
    Alias = erlang:monitor(process, Conn, [{alias, demonitor}]),
    Conn ! {'$sshrpc_call', Alias, M, F, A, Timeout},
    {sshrpc_req, Alias, Conn}.

check(Conn, M, F, A) when is_pid(Conn), is_atom(M), is_atom(F), is_list(A) -> ok;
check(_, _, _, _) -> error({erpc, badarg}).

check_timeout(infinity) -> ok;
check_timeout(T) when is_integer(T), T >= 0, T =< 4294967295 -> ok;
check_timeout(_) -> error({erpc, badarg}).

-spec receive_response(request_id()) -> term().
receive_response(ReqId) ->
    receive_response(ReqId, infinity).

%% As erpc:receive_response/2: the result, or the call's exception. After Timeout the request
%% is abandoned (in v2 the server is told to cancel it) and {erpc, timeout} is raised.
-spec receive_response(request_id(), timeout_ms()) -> term().
receive_response({sshrpc_req, Alias, Conn}, Timeout) ->
    receive
        {Alias, Result} ->
            erlang:demonitor(Alias, [flush]),
            result(Result);
        {'DOWN', Alias, process, _, _} ->
            error({erpc, noconnection})
    after Timeout ->
        abandon(Alias, Conn),
        error({erpc, timeout})
    end;
receive_response(_, _) ->
    error({erpc, badarg}).

%% As erpc:receive_response/3 over a collection: {Result, Label, NewCollection} or no_request.
-spec receive_response(request_id_collection(), timeout_ms(), boolean()) ->
          {term(), term(), request_id_collection()} | no_request.
receive_response(Coll, _Timeout, _Delete) when map_size(Coll) =:= 0 ->
    no_request;
receive_response(Coll, Timeout, Delete) when is_map(Coll) ->
    receive
        {Alias, Result} when is_map_key(Alias, Coll) ->
            erlang:demonitor(Alias, [flush]),
            {Label, _} = maps:get(Alias, Coll),
            {result(Result), Label, shrink(Alias, Coll, Delete)};
        {'DOWN', Alias, process, _, _} when is_map_key(Alias, Coll) ->
            error({erpc, noconnection})
    after Timeout ->
        maps:foreach(fun(A, {_, Conn}) -> abandon(A, Conn) end, Coll),
        error({erpc, timeout})
    end.

shrink(Alias, Coll, true) -> maps:remove(Alias, Coll);
shrink(_, Coll, false) -> Coll.

-spec wait_response(request_id()) -> {response, term()} | no_response.
wait_response(ReqId) ->
    wait_response(ReqId, 0).

%% As erpc:wait_response/2: {response, Result} or no_response, the request kept.
-spec wait_response(request_id(), timeout_ms()) -> {response, term()} | no_response.
wait_response({sshrpc_req, Alias, _Conn}, WaitTime) ->
    receive
        {Alias, Result} ->
            erlang:demonitor(Alias, [flush]),
            {response, result(Result)};
        {'DOWN', Alias, process, _, _} ->
            error({erpc, noconnection})
    after WaitTime ->
        no_response
    end;
wait_response(_, _) ->
    error({erpc, badarg}).

%% As erpc:wait_response/3: {{response, Result}, Label, NewCollection}, no_response or no_request.
-spec wait_response(request_id_collection(), timeout_ms(), boolean()) ->
          {{response, term()}, term(), request_id_collection()} | no_response | no_request.
wait_response(Coll, _WaitTime, _Delete) when map_size(Coll) =:= 0 ->
    no_request;
wait_response(Coll, WaitTime, Delete) when is_map(Coll) ->
    receive
        {Alias, Result} when is_map_key(Alias, Coll) ->
            erlang:demonitor(Alias, [flush]),
            {Label, _} = maps:get(Alias, Coll),
            {{response, result(Result)}, Label, shrink(Alias, Coll, Delete)};
        {'DOWN', Alias, process, _, _} when is_map_key(Alias, Coll) ->
            error({erpc, noconnection})
    after WaitTime ->
        no_response
    end.

-spec reqids_new() -> request_id_collection().
reqids_new() -> #{}.

-spec reqids_add(request_id(), term(), request_id_collection()) -> request_id_collection().
reqids_add({sshrpc_req, Alias, Conn}, Label, Coll) when is_map(Coll) ->
    maps:put(Alias, {Label, Conn}, Coll).

-spec reqids_size(request_id_collection()) -> non_neg_integer().
reqids_size(Coll) -> map_size(Coll).

-spec reqids_to_list(request_id_collection()) -> [{request_id(), term()}].
reqids_to_list(Coll) ->
    [{{sshrpc_req, A, C}, L} || {A, {L, C}} <- maps:to_list(Coll)].

abandon(Alias, Conn) ->
    erlang:demonitor(Alias, [flush]),
    receive {Alias, _} -> ok after 0 -> ok end,
    Conn ! {'$sshrpc_cancel', Alias},
    ok.

%% As erpc:multicall/4,5: one result per connection, in order: {ok, Value} or {Class, Reason}
%% with the exception call/5 would raise. Timeout bounds the whole multicall.
-spec multicall([conn()], atom(), atom(), [term()]) -> [{ok, term()} | {error | exit | throw, term()}].
multicall(Conns, M, F, A) ->
    multicall(Conns, M, F, A, infinity).

-spec multicall([conn()], atom(), atom(), [term()], timeout_ms()) ->
          [{ok, term()} | {error | exit | throw, term()}].
multicall(Conns, M, F, A, Timeout) when is_list(Conns) ->
    [check(C, M, F, A) || C <- Conns],
    check_timeout(Timeout),
    Deadline = case Timeout of
                   infinity -> infinity;
                   _ -> erlang:monotonic_time(millisecond) + Timeout
               end,
    Reqs = [request_t(C, M, F, A, Timeout) || C <- Conns],
    [collect(R, Deadline) || R <- Reqs].

collect(Req, Deadline) ->
    Left = case Deadline of
               infinity -> infinity;
               _ -> max(0, Deadline - erlang:monotonic_time(millisecond))
           end,
    try receive_response(Req, Left) of
        V -> {ok, V}
    catch
        Class:Reason -> {Class, Reason}
    end.

%%---------------------------------------------------------------- results

%% The wire reason of a failed call as the exception erpc:call raises (docs/erlang.md).
result({ok, V}) -> V;
result({error, Reason}) -> raise(Reason).

raise({'EXIT', {{nocatch, Thrown}, Stack}}) when is_list(Stack) -> throw(Thrown);
raise({'EXIT', {java_exception, _, _} = J}) -> error({exception, J, []});
raise({'EXIT', {Reason, Stack}} = Exit) ->
    case is_stack(Stack) of
        true -> error({exception, Reason, Stack});
        false -> exit({exception, element(2, Exit)})
    end;
raise({'EXIT', Reason}) -> exit({exception, Reason});
raise(timeout) -> error({erpc, timeout});
raise(noconnection) -> error({erpc, noconnection});
raise(Reason) -> error({erpc, Reason}).

is_stack([_ | _] = L) ->
    lists:all(fun({M, F, A, Loc}) -> is_atom(M) andalso is_atom(F)
                                         andalso (is_list(A) orelse is_integer(A))
                                         andalso is_list(Loc);
                 (_) -> false
              end, L);
is_stack(_) -> false.

%%---------------------------------------------------------------- server

%% The subsystem for ssh:daemon(Port, [{subsystems, [sshrpc:subsystem_spec(Opts)]} | SshOpts]).
%% Nothing is callable unless Opts say so: {exports, [{M, F, Arity} | {M, '*'}]} and, to narrow
%% that per SSH user, {policy, fun(User, M, F, Arity) -> allow | deny}. Limits:
%% {max_in_flight, N} (v2 calls per channel, 64), {max_frame, Bytes} (16 MiB),
%% {max_outbound, Bytes} (4 MiB of unsent replies before reading stops), {call_timeout, Ms}
%% (infinity: the deadline of v1 calls and of v2 calls sent with infinity),
%% {max_heap_size, Words} (0: none; per call process), {allow_funs, false}.
-spec subsystem_spec(list()) -> {string(), {module(), term()}}.
subsystem_spec(Opts) when is_list(Opts) ->
    sshrpc_server:subsystem_spec(Opts).
