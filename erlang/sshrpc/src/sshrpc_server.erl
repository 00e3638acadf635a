%% @doc The server side of the subsystem sshrpc@k2r.org: one ssh_server_channel process per
%% channel, each call run in a process of its own.
%%
%% v1 (the seed): {mfa, {M, F, A}} and {mfa, M, F, A} answered {answer, {Reply, 0 | -1}} in
%% request order, one call at a time, with the seed's error shapes; unlike the seed, each
%% reply's length is its own. v2 after {sshrpc_hello, 2, _}: {call, Id, M, F, A, Timeout}
%% answered {reply, Id, ok | error, _} as calls finish, {cast, M, F, A}, {cancel, Id}; a
%% deadline or cancel kills the call's process. Not served: processes and mailboxes (spawn,
%% send, register, whereis, monitor, mailbox, exit), answered {reply, Id, error,
%% {badrequest, Request}} (send has no Id: {error, badrequest, Request}).
%%
%% Nothing is callable unless exported (exports, policy). Requests are decoded with
%% binary_to_term(B, [safe]) after their length is checked against max_frame, and a
%% compressed one after its declared size is checked; the SSH window is released as frames
%% are taken, and not while max_outbound bytes of replies wait or the v1 queue is full.
-module(sshrpc_server).
-behaviour(ssh_server_channel).

-export([subsystem_spec/1]).
-export([init/1, handle_msg/2, handle_ssh_msg/2, terminate/2]).

-define(SUBSYSTEM, "sshrpc@k2r.org").
-define(SERVER, <<"sshrpc-erlang/0.1.0">>).
-define(ECHO_LIMIT, 1024).

-record(opts, {
    exports = #{} :: map(),                 %% {M, F, Arity} | {M, '*'} => true
    policy :: fun((term(), atom(), atom(), arity()) -> allow | deny),
    max_in_flight = 64 :: pos_integer(),
    max_frame = 16 * 1024 * 1024 :: pos_integer(),
    max_outbound = 4 * 1024 * 1024 :: pos_integer(),
    call_timeout = infinity :: timeout(),
    max_heap_size = 0 :: non_neg_integer(),
    allow_funs = false :: boolean()
}).

-record(st, {
    o :: #opts{},
    cm, ch, user, writer,
    mode = new :: new | v1 | v2,
    buf = <<>> :: binary(),
    held = 0 :: non_neg_integer(),           %% window bytes received but not yet released
    seq = 0 :: non_neg_integer(),            %% frames received
    frame_errors = false :: boolean(),
    reply_max :: pos_integer(),
    calls = #{} :: map(),                    %% Ref => {Kind, Id, Pid, TRef}
    ids = #{} :: map(),                      %% v2 Id => Ref
    v1q = queue:new(),                       %% v1 requests waiting their turn
    v1_running = false :: boolean(),
    out = [] :: iodata(),
    out_bytes = 0 :: non_neg_integer(),
    busy = false :: boolean(),
    eof = false :: boolean()
}).

%%---------------------------------------------------------------- options

subsystem_spec(Opts) ->
    O = options(Opts),
    %% An exported module is loaded now, so its function names are atoms of this node before
    %% the first request: the safe decoder refuses atoms the node does not have.
    [code:ensure_loaded(M) || {M, _} <- maps:keys(O#opts.exports)],
    [code:ensure_loaded(M) || {M, _, _} <- maps:keys(O#opts.exports)],
    {?SUBSYSTEM, {?MODULE, [O]}}.

options(Opts) ->
    lists:foldl(fun option/2, #opts{policy = fun(_, _, _, _) -> allow end}, Opts).

option({exports, L}, O) when is_list(L) ->
    O#opts{exports = maps:from_list([{export(E), true} || E <- L])};
option({policy, P}, O) when is_function(P, 4) -> O#opts{policy = P};
option({max_in_flight, N}, O) when is_integer(N), N > 0 -> O#opts{max_in_flight = N};
option({max_frame, N}, O) when is_integer(N), N > 0 -> O#opts{max_frame = N};
option({max_outbound, N}, O) when is_integer(N), N > 0 -> O#opts{max_outbound = N};
option({call_timeout, T}, O) when T =:= infinity; is_integer(T), T >= 0 -> O#opts{call_timeout = T};
option({max_heap_size, N}, O) when is_integer(N), N >= 0 -> O#opts{max_heap_size = N};
option({allow_funs, B}, O) when is_boolean(B) -> O#opts{allow_funs = B};
option(Other, _) -> error({badarg, {sshrpc_option, Other}}).

export({M, '*'} = E) when is_atom(M) -> E;
export({M, F, A} = E) when is_atom(M), is_atom(F), is_integer(A), A >= 0 -> E;
export(E) -> error({badarg, {sshrpc_export, E}}).

%%---------------------------------------------------------------- channel callbacks

init([#opts{max_frame = Max} = O]) ->
    {ok, #st{o = O, reply_max = Max}}.

handle_msg({ssh_channel_up, Ch, Cm}, St) ->
    User = case ssh:connection_info(Cm, [user]) of
               [{user, U}] -> U;
               _ -> undefined
           end,
    {ok, St#st{cm = Cm, ch = Ch, user = User, writer = sshrpc_writer:start_link(Cm, Ch)}};
handle_msg({sshrpc_done, Ref, Bin}, St) ->
    case maps:take(Ref, St#st.calls) of
        {Call, Calls} ->
            erlang:demonitor(Ref, [flush]),
            next(finished(Call, Bin, St#st{calls = Calls}));
        error ->
            {ok, St}
    end;
handle_msg({'DOWN', Ref, process, _, Reason}, St) ->
    case maps:take(Ref, St#st.calls) of
        {{Kind, Id, _, _} = Call, Calls} ->
            %% The call's process died without a result: killed from outside, or over
            %% max_heap_size.
            next(finished(Call, failure(Kind, Id, {'EXIT', Reason}), St#st{calls = Calls}));
        error ->
            {ok, St}
    end;
handle_msg({timeout, _TRef, {deadline, Ref}}, St) ->
    next(stop_call(Ref, timeout, St));
handle_msg({sshrpc_written, W}, #st{writer = W} = St) ->
    next(flush(St#st{busy = false}));
handle_msg({sshrpc_write_failed, W, _}, #st{writer = W, ch = Ch} = St) ->
    {stop, Ch, St};
handle_msg(_, St) ->
    {ok, St}.

handle_ssh_msg({ssh_cm, Cm, {data, Ch, 0, Data}}, #st{cm = Cm, ch = Ch, buf = Buf, held = H} = St) ->
    next(St#st{buf = <<Buf/binary, Data/binary>>, held = H + byte_size(Data)});
handle_ssh_msg({ssh_cm, Cm, {data, Ch, _, Data}}, St) ->
    ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
    {ok, St};
handle_ssh_msg({ssh_cm, _, {eof, _}}, St) ->
    next(St#st{eof = true});
handle_ssh_msg({ssh_cm, _, {signal, _, _}}, St) ->
    {ok, St};
handle_ssh_msg({ssh_cm, _, {exit_signal, Ch, _, _, _}}, St) ->
    {stop, Ch, St};
handle_ssh_msg({ssh_cm, _, {exit_status, Ch, _}}, St) ->
    {stop, Ch, St};
handle_ssh_msg(_, St) ->
    {ok, St}.

terminate(_Reason, #st{calls = Calls, writer = W}) ->
    [exit(Pid, kill) || {_, _, Pid, _} <- maps:values(Calls)],
    is_pid(W) andalso (W ! stop),
    ok.

%%---------------------------------------------------------------- input

%% Takes the frames that can be taken now, releases their window, and closes the channel
%% after the client's EOF once everything is answered and written.
next(St0) ->
    case frames(St0) of
        {stop, St} ->
            {stop, St#st.ch, St};
        St ->
            St1 = release(St),
            case St1#st.eof andalso idle(St1) of
                true ->
                    ssh_connection:send_eof(St1#st.cm, St1#st.ch),
                    {stop, St1#st.ch, St1};
                false ->
                    {ok, St1}
            end
    end.

idle(#st{calls = C, v1q = Q, out = Out, busy = B, buf = Buf}) ->
    map_size(C) =:= 0 andalso queue:is_empty(Q) andalso Out =:= [] andalso not B
        andalso byte_size(Buf) < 4.

held(#st{out_bytes = OB, o = #opts{max_outbound = Max}}) when OB >= Max -> true;
held(#st{v1q = Q, o = #opts{max_in_flight = N}}) -> queue:len(Q) >= N.

%% The window is released for the bytes received while the channel is not holding input:
%% a held channel makes the client stop after one window.
release(#st{held = 0} = St) -> St;
release(#st{cm = Cm, ch = Ch, held = H} = St) ->
    case held(St) of
        true -> St;
        false -> ssh_connection:adjust_window(Cm, Ch, H), St#st{held = 0}
    end.

frames(#st{cm = undefined} = St) ->
    St;
frames(#st{buf = <<Len:32, _/binary>>, o = #opts{max_frame = Max}} = St) when Len > Max ->
    too_large(Len, Max, St);
frames(#st{buf = <<Len:32, Body:Len/binary, Rest/binary>>} = St) ->
    case held(St) of
        true -> St;
        false ->
            case frame(Body, St#st{buf = Rest, seq = St#st.seq + 1}) of
                {stop, _} = Stop -> Stop;
                St1 -> frames(St1)
            end
    end;
frames(St) ->
    St.

too_large(Len, Max, #st{mode = v2} = St) ->
    logger:notice("sshrpc: closing a channel of ~p: frame of ~b bytes over max_frame ~b",
                  [St#st.user, Len, Max]),
    Msg = channel_error(frame_too_large, {Len, Max}, St#st{seq = St#st.seq + 1}),
    Bin = term_to_binary(Msg),
    ssh_connection:send(St#st.cm, St#st.ch, [St#st.out, <<(byte_size(Bin)):32>>, Bin], 5000),
    {stop, St};
too_large(Len, Max, St) ->
    logger:notice("sshrpc: closing a v1 channel of ~p: frame of ~b bytes over max_frame ~b",
                  [St#st.user, Len, Max]),
    {stop, St}.

channel_error(Code, Detail, #st{frame_errors = true, seq = Seq}) -> {error, Code, Detail, {frame, Seq}};
channel_error(Code, Detail, _) -> {error, Code, Detail}.

frame(Body, St) ->
    case decode(Body) of
        {ok, Term} -> request(Term, St);
        {error, Why} -> undecodable(Why, Body, St)
    end.

%% binary_to_term(B, [safe]), the whole frame one term; a compressed term's declared size is
%% checked first (at most 64 times its frame and 64 MiB), as binary_to_term would allocate it.
decode(<<131, 80, Size:32, _/binary>> = B) when Size > 64 * byte_size(B); Size > 64 * 1024 * 1024 ->
    {error, <<"compressed term declares too large a size">>};
decode(B) ->
    try binary_to_term(B, [safe, used]) of
        {T, Used} when Used =:= byte_size(B) -> {ok, T};
        {_, Used} -> {error, iolist_to_binary(io_lib:format("bytes after the term at offset ~b", [Used]))}
    catch
        error:badarg -> {error, <<"an atom this node does not have, or a malformed term (binary_to_term safe)">>}
    end.

%%---------------------------------------------------------------- requests

request({sshrpc_hello, V, Opts}, #st{mode = new} = St) when is_integer(V), V >= 2 ->
    O = St#st.o,
    FrameErrors = is_map(Opts) andalso maps:get(frame_errors, Opts, false) =:= true,
    ReplyMax = case is_map(Opts) andalso maps:get(max_frame, Opts, none) of
                   N when is_integer(N), N > 0 -> min(N, O#opts.max_frame);
                   _ -> O#opts.max_frame
               end,
    Info0 = #{node => node(), server => ?SERVER, max_in_flight => O#opts.max_in_flight,
              max_frame => O#opts.max_frame},
    Info = case FrameErrors of true -> Info0#{frame_errors => true}; false -> Info0 end,
    out(term_to_binary({sshrpc_hello, 2, Info}),
        St#st{mode = v2, frame_errors = FrameErrors, reply_max = ReplyMax});
request(Term, #st{mode = new} = St) ->
    request(Term, St#st{mode = v1});
request({mfa, {M, F, A}} = Req, St) ->
    v1(M, F, A, Req, St);
request({mfa, M, F, A} = Req, St) ->
    v1(M, F, A, Req, St);
request(Other, #st{mode = v1} = St) ->
    v1_queue({exec_error, Other}, St);
request({call, Id, M, F, A, T}, #st{mode = v2} = St)
  when is_integer(Id), Id >= 0, is_atom(M), is_atom(F), length(A) >= 0,
       T =:= infinity orelse (is_integer(T) andalso T >= 0) ->
    case maps:is_key(Id, St#st.ids) of
        true -> out(v2_error(Id, {badrequest, <<"duplicate id">>}), St);
        false -> v2_call(Id, M, F, A, T, St)
    end;
request({cast, M, F, A}, #st{mode = v2} = St) when is_atom(M), is_atom(F), length(A) >= 0 ->
    case refusal(M, F, A, St) of
        ok when map_size(St#st.calls) < St#st.o#opts.max_in_flight ->
            start(cast, none, M, F, A, St#st.o#opts.call_timeout, St);
        ok ->
            logger:notice("sshrpc: cast ~p:~p/~b of ~p dropped: overloaded", [M, F, length(A), St#st.user]),
            St;
        Refused ->
            logger:notice("sshrpc: cast ~p:~p/~b of ~p refused: ~0p", [M, F, length(A), St#st.user, Refused]),
            St
    end;
request({cancel, Id}, #st{mode = v2} = St) when is_integer(Id) ->
    case maps:find(Id, St#st.ids) of
        {ok, Ref} -> stop_call(Ref, cancelled, St);
        error -> St
    end;
request(Req, #st{mode = v2} = St) when is_tuple(Req), tuple_size(Req) >= 2,
                                        is_integer(element(2, Req)), element(2, Req) >= 0 ->
    %% spawn, register, whereis, monitor, mailbox, exit (processes are not served) or a
    %% malformed call: the Id can be read, so the reply names it.
    out(v2_error(element(2, Req), {badrequest, echo(Req)}), St);
request(Req, #st{mode = v2} = St) ->
    out(term_to_binary(channel_error(badrequest, echo(Req), St)), St).

undecodable(Why, Body, #st{mode = Mode} = St) ->
    case {Mode, sshrpc_etf:peek(Body)} of
        {v2, {call, Id, MT, FT, Ar, Args}} -> unknown_atoms(v2, Id, MT, FT, Ar, Args, Why, St);
        {v2, {cast, MT, FT, Ar, _}} ->
            logger:notice("sshrpc: cast ~ts:~ts/~b of ~p refused: ~ts", [MT, FT, Ar, St#st.user, Why]),
            St;
        {_, {mfa, MT, FT, Ar, Args}} -> unknown_atoms(v1, none, MT, FT, Ar, Args, Why, St#st{mode = mode(St)});
        {v2, {id, Id}} -> out(v2_error(Id, {badrequest, Why}), St);
        {v2, _} -> out(term_to_binary(channel_error(badframe, Why, St)), St);
        {_, _} -> v1_queue({exec_error, {badframe, Why}}, St#st{mode = v1})
    end.

%% A request the safe decoder refused whose head is readable. A module name the node has no
%% atom for is not exported: denied, as any unexported function. A function name it has no
%% atom for, in a module exported whole ({M, '*'}), cannot exist: undef, if the policy allows
%% the caller M:'*'/Arity (so a caller denied M still learns only "denied"). Otherwise the
%% arguments hold the unknown atom: denied, undef or badrequest, as for any request.
unknown_atoms(Mode, Id, MT, FT, Ar, ArgsBin, Why, St) ->
    M = sshrpc_etf:existing_atom(MT),
    F = sshrpc_etf:existing_atom(FT),
    Args = try binary_to_term(ArgsBin, [safe, used]) of
               {A, _} when is_list(A), length(A) =:= Ar -> args(A);
               _ -> Ar
           catch error:badarg -> Ar
           end,
    Reply = if
                M =:= false ->
                    {bin, denied_bin(Mode, Id, MT, FT, Ar)};
                F =:= false ->
                    case allowed(M, '*', Ar, St) of
                        true -> {bin, undef_bin(Mode, Id, MT, FT, Args)};
                        false -> {bin, denied_bin(Mode, Id, MT, FT, Ar)}
                    end;
                true ->
                    case allowed(M, F, Ar, St) of
                        false -> {refused, {sshrpc_denied, {M, F, Ar}}};
                        true ->
                            case exported(M, F, Ar) of
                                false -> {raised, {undef, [{M, F, Args, []}]}};
                                true -> {bad, Why}
                            end
                    end
            end,
    case {Mode, Reply} of
        {v2, {bin, Bin}} -> out(Bin, St);
        {v2, {refused, R}} -> out(v2_error(Id, R), St);
        {v2, {raised, R}} -> out(v2_error(Id, {'EXIT', R}), St);
        {v2, {bad, W}} -> out(v2_error(Id, {badrequest, W}), St);
        {v1, {bin, Bin}} -> v1_queue({bin, Bin}, St);
        {v1, {refused, R}} -> v1_queue({answer, v1_fail({exec_badrpc, {'EXIT', R}})}, St);
        {v1, {raised, R}} -> v1_queue({answer, v1_fail({exec_badrpc, {'EXIT', R}})}, St);
        {v1, {bad, W}} -> v1_queue({exec_error, {badframe, W}}, St)
    end.

denied_bin(v2, Id, MT, FT, Ar) -> sshrpc_etf:denied_v2(Id, MT, FT, Ar);
denied_bin(v1, _, MT, FT, Ar) -> sshrpc_etf:denied_v1(MT, FT, Ar).

undef_bin(v2, Id, MT, FT, Args) -> sshrpc_etf:undef_v2(Id, MT, FT, Args);
undef_bin(v1, _, MT, FT, Args) -> sshrpc_etf:undef_v1(MT, FT, Args).

exported(M, F, Ar) ->
    _ = code:ensure_loaded(M),
    erlang:function_exported(M, F, Ar).

%% Policy first, so a denied caller cannot tell "denied" from "does not exist".
refusal(M, F, A, St) ->
    Ar = length(A),
    case allowed(M, F, Ar, St) of
        false -> {refused, {sshrpc_denied, {M, F, Ar}}};
        true ->
            case St#st.o#opts.allow_funs orelse not has_fun(A) of
                true -> ok;
                false -> {bad, <<"funs are not accepted as arguments">>}
            end
    end.

allowed(M, F, Ar, #st{o = #opts{exports = E, policy = P}, user = User}) ->
    ((F =/= '*' andalso maps:is_key({M, F, Ar}, E)) orelse maps:is_key({M, '*'}, E))
        andalso (try P(User, M, F, Ar) of
                     allow -> true;
                     _ -> false
                 catch Class:Reason ->
                     logger:error("sshrpc: policy failed (~p:~0p): denied", [Class, Reason]),
                     false
                 end).

has_fun(T) when is_function(T) -> true;
has_fun([H | T]) -> has_fun(H) orelse has_fun(T);
has_fun(T) when is_tuple(T) -> lists:any(fun has_fun/1, tuple_to_list(T));
has_fun(T) when is_map(T) -> has_fun(maps:to_list(T));
has_fun(_) -> false.

v2_call(Id, M, F, A, T, St) ->
    case refusal(M, F, A, St) of
        ok when map_size(St#st.calls) >= St#st.o#opts.max_in_flight ->
            out(v2_error(Id, overloaded), St);
        ok ->
            Timeout = case T of infinity -> St#st.o#opts.call_timeout; _ -> T end,
            start(v2, Id, M, F, A, Timeout, St);
        {refused, R} -> out(v2_error(Id, R), St);
        {bad, W} -> out(v2_error(Id, {badrequest, W}), St)
    end.

v2_error(Id, Reason) -> term_to_binary({reply, Id, error, Reason}).

%%---------------------------------------------------------------- v1

%% length(A) >= 0 in a guard: A is a proper list (an improper one fails the guard).
v1(M, F, A, _Req, St) when is_atom(M), is_atom(F), length(A) >= 0 ->
    v1_queue({call, M, F, A}, St);
v1(_M, _F, _A, Req, St) ->
    %% The seed applied anything; we answer a request that is not a call as it answered
    %% anything that was not an mfa tuple.
    v1_queue({exec_error, echo(Req)}, St#st{mode = mode(St)}).

mode(#st{mode = v2}) -> v2;
mode(_) -> v1.

v1_queue(Req, St) ->
    v1_run(St#st{v1q = queue:in(Req, St#st.v1q)}).

%% Starts the next v1 request when none is running: answers stay in request order.
v1_run(#st{v1_running = true} = St) -> St;
v1_run(St) ->
    case queue:out(St#st.v1q) of
        {empty, _} -> St;
        {{value, Req}, Q} -> v1_run(v1_one(Req, St#st{v1q = Q}))
    end.

v1_one({call, M, F, A}, St) ->
    case refusal(M, F, A, St) of
        ok -> start(v1, none, M, F, A, St#st.o#opts.call_timeout, St#st{v1_running = true});
        {refused, R} -> out(term_to_binary(v1_fail({exec_badrpc, {'EXIT', R}})), St);
        {bad, W} -> out(term_to_binary(v1_fail({exec_error, {badframe, W}})), St)
    end;
v1_one({exec_error, T}, St) ->
    out(term_to_binary(v1_fail({exec_error, T})), St);
v1_one({answer, Answer}, St) ->
    out(term_to_binary(Answer), St);
v1_one({bin, Bin}, St) ->
    out(Bin, St).

v1_fail(Error) -> {answer, {Error, -1}}.

%%---------------------------------------------------------------- calls

start(Kind, Id, M, F, A, Timeout, #st{o = O, reply_max = Max} = St) ->
    Parent = self(),
    Heap = case O#opts.max_heap_size of
               0 -> [];
               W -> [{max_heap_size, #{size => W, kill => true, error_logger => false}}]
           end,
    {Pid, Ref} = spawn_opt(fun() -> worker(Parent, Kind, Id, M, F, A, Max) end, [monitor | Heap]),
    Pid ! {sshrpc_ref, Ref},
    TRef = case Timeout of
               infinity -> none;
               %% Over 49 days is as good as infinity, and within what timers take.
               _ when Timeout > 16#FFFFFFFF -> none;
               _ -> erlang:start_timer(Timeout, self(), {deadline, Ref})
           end,
    Ids = case Kind of v2 -> maps:put(Id, Ref, St#st.ids); _ -> St#st.ids end,
    St#st{calls = maps:put(Ref, {Kind, Id, Pid, TRef}, St#st.calls), ids = Ids}.

%% A call process: runs M:F(A...) and sends its encoded reply (the encoding happens here, off
%% the channel process). Its monitor reference names it to the channel.
worker(Parent, Kind, Id, M, F, A, Max) ->
    Ref = receive_ref(),
    Outcome = try apply(M, F, A) of
                  V -> {ok, V}
              catch
                  throw:V when Kind =:= v1 -> {ok, V};   %% the seed used catch: a throw is a value
                  throw:V:S -> {'EXIT', {{nocatch, V}, stack(S)}};
                  error:R:S -> {'EXIT', {R, stack(S)}};
                  exit:R -> {'EXIT', R}
              end,
    Reply = case {Kind, Outcome} of
                {cast, {ok, _}} -> <<>>;
                {cast, Exit} ->
                    logger:notice("sshrpc: cast ~p:~p/~b failed: ~0P", [M, F, length(A), Exit, 20]),
                    <<>>;
                _ -> encode(Kind, Id, Outcome, Max)
            end,
    Parent ! {sshrpc_done, Ref, Reply}.

%% The channel keys a call by its monitor reference, which only the channel sees: it sends it.
receive_ref() ->
    receive {sshrpc_ref, Ref} -> Ref end.

encode(Kind, Id, Outcome, Max) ->
    Bin = term_to_binary(shape(Kind, Id, Outcome)),
    case byte_size(Bin) > Max of
        false -> Bin;
        true ->
            %% As the Java server: bare in v2, {'EXIT', _} in the v1 answer.
            TooLarge = {reply_too_large, byte_size(Bin), Max},
            failure(Kind, Id, case Kind of v1 -> {'EXIT', TooLarge}; _ -> TooLarge end)
    end.

shape(v1, _, {ok, V}) -> {answer, {V, 0}};
shape(v1, _, Exit) -> v1_fail({exec_badrpc, Exit});
shape(_, Id, {ok, V}) -> {reply, Id, ok, V};
shape(_, Id, Reason) -> {reply, Id, error, Reason}.

failure(Kind, Id, Exit) -> term_to_binary(shape(Kind, Id, Exit)).

%% A stack as `catch` shows it, cut where the server's own frames begin, locations dropped,
%% large argument lists replaced by their length.
stack(S) ->
    Mine = fun({Mod, _, _, _}) -> not lists:member(Mod, [?MODULE, sshrpc_etf]) end,
    [{Mod, F, args(A), []} || {Mod, F, A, _} <- lists:takewhile(Mine, S)].

args(A) when is_list(A) ->
    case erlang:external_size(A) > ?ECHO_LIMIT of
        true -> length(A);
        false -> A
    end;
args(A) -> A.

echo(T) ->
    case erlang:external_size(T) > ?ECHO_LIMIT of
        true -> <<"request too large to echo">>;
        false -> T
    end.

finished({cast, _, _, _}, _Bin, St) ->
    St;
finished({Kind, Id, _, TRef}, Bin, St) ->
    TRef =:= none orelse erlang:cancel_timer(TRef),
    case Kind of
        v1 -> v1_run(out(Bin, St#st{v1_running = false}));
        v2 -> out(Bin, St#st{ids = maps:remove(Id, St#st.ids)})
    end.

%% Ends a call early (deadline or cancel): its process is killed and the reason answered.
stop_call(Ref, Reason, St) ->
    case maps:take(Ref, St#st.calls) of
        {{Kind, Id, Pid, _} = Call, Calls} ->
            exit(Pid, kill),
            erlang:demonitor(Ref, [flush]),
            finished(Call, failure(Kind, Id, case Kind of
                                                 v1 -> {'EXIT', Reason};
                                                 _ -> Reason
                                             end), St#st{calls = Calls});
        error ->
            St
    end.

%%---------------------------------------------------------------- output

out(Bin, #st{out = Out, out_bytes = N} = St) ->
    flush(St#st{out = [Out, <<(byte_size(Bin)):32>>, Bin], out_bytes = N + byte_size(Bin) + 4}).

flush(#st{busy = true} = St) -> St;
flush(#st{out = []} = St) -> St;
flush(#st{out = Out, writer = W} = St) ->
    W ! {write, Out},
    St#st{out = [], out_bytes = 0, busy = true}.
