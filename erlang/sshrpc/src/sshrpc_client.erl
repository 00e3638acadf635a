%% @doc One client connection: an SSH connection, one session channel running the subsystem
%% sshrpc@k2r.org, and the process that owns both.
%%
%% The process connects after it has been started (so the supervisor never waits on a network),
%% negotiates v2 with {sshrpc_hello, 2, Options} and falls back to v1 when the server answers
%% {answer, {{exec_error, _}, -1}} (the seed's server), as the Java client does.
%%
%% Callers never block on it: a request is a message carrying the caller's alias
%% ({alias, demonitor} monitor), the reply is a message to that alias, so a caller that gave up
%% (demonitored) never receives a late reply. Frames ready at the same time leave in one SSH
%% data message through the writer process (sshrpc_writer). In v2 at most the server's
%% max_in_flight calls are outstanding, the rest wait here; in v1 one call is outstanding at a
%% time and answers are matched to requests in order.
-module(sshrpc_client).
-export([start_link/5, init/6]).

-define(SUBSYSTEM, "sshrpc@k2r.org").
-define(CLIENT, <<"sshrpc-erlang/0.1.0">>).
-define(DEFAULT_CONNECT_TIMEOUT, 15000).
-define(DEFAULT_MAX_IN_FLIGHT, 256).
-define(DEFAULT_MAX_FRAME, 64 * 1024 * 1024).
-define(WINDOW, 2 * 1024 * 1024).
-define(PACKET, 65536).

-record(s, {
    cm, ch, mon, writer,
    version = 1 :: 1 | 2,
    server = #{} :: map(),
    safe = false :: boolean(),
    max_frame :: pos_integer(),          %% the largest reply frame we accept
    send_max = infinity,                 %% the server's max_frame
    max_in_flight = 1 :: pos_integer(),
    frame_errors = false :: boolean(),
    buf = <<>> :: binary(),
    next_id = 1 :: pos_integer(),
    seq = 0 :: non_neg_integer(),        %% frames written so far (the hello is 1)
    pending = #{} :: map(),              %% v2: Id => {Alias, Seq}
    by_alias = #{} :: map(),             %% v2: Alias => Id
    by_seq = #{} :: map(),               %% v2 with frame_errors: Seq => Id
    v1_sent = queue:new(),               %% v1: Alias | none, in the order sent
    waiting = queue:new(),               %% requests beyond the in-flight limit
    out = [] :: iodata(),
    busy = false :: boolean(),
    flush = false :: boolean()
}).

%% Supervisor start function: returns at once, then connects and reports to Caller as
%% {Tag, ok} or {Tag, {error, Reason}}.
start_link(Caller, Tag, Host, Port, Opts) ->
    {ok, proc_lib:spawn_link(?MODULE, init, [Caller, Tag, Host, Port, Opts, self()])}.

init(Caller, Tag, Host, Port, Opts, _Sup) ->
    process_flag(trap_exit, true),
    Timeout = proplists:get_value(connect_timeout, Opts, ?DEFAULT_CONNECT_TIMEOUT),
    Deadline = now_ms() + Timeout,
    MaxVersion = proplists:get_value(max_version, Opts, 2),
    Safe = proplists:get_value(safe_decode, Opts, false),
    MaxFrame = proplists:get_value(max_frame, Opts, ?DEFAULT_MAX_FRAME),
    Own = [connect_timeout, max_version, safe_decode, max_frame],
    SshOpts = [O || O <- Opts, not lists:member(key(O), Own)],
    Defaults = [{user_interaction, false}, {nodelay, true}],
    Ssh = SshOpts ++ [D || {K, _} = D <- Defaults, not proplists:is_defined(K, SshOpts)],
    case open(Host, Port, [{connect_timeout, Timeout} | Ssh], Deadline) of
        {ok, Cm, Ch} ->
            S0 = #s{cm = Cm, ch = Ch, mon = erlang:monitor(process, Cm), safe = Safe,
                    max_frame = MaxFrame},
            S1 = S0#s{writer = sshrpc_writer:start_link(Cm, Ch)},
            case negotiate(MaxVersion, S1, Deadline) of
                {ok, S} ->
                    Caller ! {Tag, ok},
                    loop(S);
                {error, Reason} ->
                    ssh:close(Cm),
                    Caller ! {Tag, {error, Reason}}
            end;
        {error, Reason} ->
            Caller ! {Tag, {error, Reason}}
    end.

key({K, _}) -> K;
key(K) -> K.

open(Host, Port, Ssh, Deadline) ->
    case ssh:connect(Host, Port, Ssh, left(Deadline)) of
        {ok, Cm} ->
            case ssh_connection:session_channel(Cm, ?WINDOW, ?PACKET, left(Deadline)) of
                {ok, Ch} ->
                    case ssh_connection:subsystem(Cm, Ch, ?SUBSYSTEM, left(Deadline)) of
                        success -> {ok, Cm, Ch};
                        failure -> ssh:close(Cm), {error, {subsystem_refused, ?SUBSYSTEM}};
                        {error, R} -> ssh:close(Cm), {error, R}
                    end;
                {error, R} -> ssh:close(Cm), {error, R}
            end;
        {error, R} -> {error, R}
    end.

negotiate(1, S, _Deadline) ->
    {ok, S#s{version = 1, max_in_flight = 1}};
negotiate(_, #s{cm = Cm, ch = Ch} = S, Deadline) ->
    Hello = {sshrpc_hello, 2, #{client => ?CLIENT, frame_errors => true,
                                 max_frame => S#s.max_frame}},
    case ssh_connection:send(Cm, Ch, frame(term_to_binary(Hello)), left(Deadline)) of
        ok -> await_hello(S#s{seq = 1}, Deadline);
        {error, R} -> {error, R}
    end.

await_hello(#s{cm = Cm, ch = Ch, buf = Buf} = S, Deadline) ->
    case Buf of
        <<Len:32, Body:Len/binary, Rest/binary>> ->
            case decode(Body, S) of
                {sshrpc_hello, 2, Info} ->
                    Info1 = if is_map(Info) -> Info; true -> #{} end,
                    {ok, S#s{buf = Rest, version = 2, server = Info1,
                             max_in_flight = pos(maps:get(max_in_flight, Info1, x), ?DEFAULT_MAX_IN_FLIGHT),
                             send_max = pos(maps:get(max_frame, Info1, x), infinity),
                             frame_errors = maps:get(frame_errors, Info1, false) =:= true}};
                {answer, {{exec_error, _}, -1}} ->
                    {ok, S#s{buf = Rest, version = 1, max_in_flight = 1}};
                Other ->
                    {error, {unexpected_hello_reply, Other}}
            end;
        _ ->
            receive
                {ssh_cm, Cm, {data, Ch, 0, Data}} ->
                    ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
                    await_hello(S#s{buf = <<Buf/binary, Data/binary>>}, Deadline);
                {ssh_cm, Cm, {data, Ch, _, Data}} ->
                    ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
                    await_hello(S, Deadline);
                {ssh_cm, Cm, {closed, Ch}} -> {error, closed};
                {ssh_cm, Cm, {eof, Ch}} -> {error, closed};
                {'DOWN', _, process, Cm, _} -> {error, closed}
            after left(Deadline) ->
                {error, timeout}
            end
    end.

pos(N, _) when is_integer(N), N > 0 -> N;
pos(_, Default) -> Default.

left(Deadline) -> max(0, Deadline - now_ms()).

now_ms() -> erlang:monotonic_time(millisecond).

frame(Bin) -> [<<(byte_size(Bin)):32>>, Bin].

decode(Body, #s{safe = true}) -> binary_to_term(Body, [safe]);
decode(Body, _) -> binary_to_term(Body).

%%---------------------------------------------------------------- the loop

loop(S) ->
    receive Msg -> handle(Msg, S) end.

handle({'$sshrpc_call', Alias, M, F, A, Timeout}, S) ->
    loop(submit({call, Alias, M, F, A, Timeout}, S));
handle({'$sshrpc_cast', M, F, A}, S) ->
    loop(submit({cast, M, F, A}, S));
handle({'$sshrpc_cancel', Alias}, S) ->
    loop(cancel(Alias, S));
handle({'$sshrpc_info', Alias}, #s{version = V, server = Info} = S) ->
    Alias ! {Alias, {ok, #{version => V, server => Info}}},
    loop(S);
handle({'$sshrpc_close', Alias}, S) ->
    down(S),
    Alias ! {Alias, {ok, ok}};
handle(flush, S) ->
    loop(flush(S#s{flush = false}));
handle({sshrpc_written, W}, #s{writer = W} = S) ->
    loop(flush(S#s{busy = false}));
handle({ssh_cm, Cm, {data, Ch, 0, Data}}, #s{cm = Cm, ch = Ch, buf = Buf} = S) ->
    S1 = frames(S#s{buf = <<Buf/binary, Data/binary>>}),
    ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
    loop(S1);
handle({ssh_cm, Cm, {data, Ch, _, Data}}, #s{cm = Cm, ch = Ch} = S) ->
    ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
    loop(S);
handle({ssh_cm, Cm, {closed, _}}, #s{cm = Cm} = S) ->
    down(S);
handle({ssh_cm, Cm, {eof, _}}, #s{cm = Cm} = S) ->
    down(S);
handle({ssh_cm, _, _}, S) ->
    loop(S);
handle({sshrpc_write_failed, W, _}, #s{writer = W} = S) ->
    down(S);
handle({'DOWN', Ref, process, _, _}, #s{mon = Ref} = S) ->
    down(S);
handle({'EXIT', _, shutdown}, S) ->
    down(S);
handle({'EXIT', _, {shutdown, _}}, S) ->
    down(S);
handle({'EXIT', W, _}, #s{writer = W} = S) ->
    down(S);
handle(_Other, S) ->
    loop(S).

down(#s{cm = Cm, writer = W} = S) ->
    fail_all(noconnection, S),
    W ! stop,
    catch ssh:close(Cm),
    ok.

fail_all(Reason, #s{pending = P, v1_sent = Sent, waiting = W}) ->
    [reply(A, {error, Reason}) || {A, _} <- maps:values(P)],
    [reply(A, {error, Reason}) || A <- queue:to_list(Sent)],
    [reply(element(2, R), {error, Reason}) || R <- queue:to_list(W), element(1, R) =:= call],
    ok.

reply(none, _) -> ok;
reply(Alias, Result) -> Alias ! {Alias, Result}, ok.

%%---------------------------------------------------------------- sending

in_flight(#s{version = 2, pending = P}) -> map_size(P);
in_flight(#s{v1_sent = Q}) -> queue:len(Q).

submit(Req, #s{version = 2} = S) when element(1, Req) =:= cast ->
    {cast, M, F, A} = Req,
    emit(term_to_binary({cast, M, F, A}), S);
submit(Req, S) ->
    case queue:is_empty(S#s.waiting) andalso in_flight(S) < S#s.max_in_flight of
        true -> send(Req, S);
        false -> S#s{waiting = queue:in(Req, S#s.waiting)}
    end.

send({call, Alias, M, F, A, Timeout}, #s{version = 2, next_id = Id} = S) ->
    Bin = term_to_binary({call, Id, M, F, A, Timeout}),
    case too_large(Bin, S) of
        false ->
            S1 = emit(Bin, S),
            Seq = S1#s.seq,
            BySeq = case S#s.frame_errors of
                        true -> maps:put(Seq, Id, S1#s.by_seq);
                        false -> S1#s.by_seq
                    end,
            S1#s{next_id = Id + 1,
                 pending = maps:put(Id, {Alias, Seq}, S1#s.pending),
                 by_alias = maps:put(Alias, Id, S1#s.by_alias),
                 by_seq = BySeq};
        Reason ->
            reply(Alias, {error, Reason}),
            S
    end;
send({call, Alias, M, F, A, _Timeout}, #s{version = 1} = S) ->
    Bin = term_to_binary({mfa, {M, F, A}}),
    S1 = emit(Bin, S),
    S1#s{v1_sent = queue:in(Alias, S1#s.v1_sent)};
send({cast, M, F, A}, #s{version = 1} = S) ->
    %% v1 has no cast: the call is made and its answer dropped (it still takes its turn).
    S1 = emit(term_to_binary({mfa, {M, F, A}}), S),
    S1#s{v1_sent = queue:in(none, S1#s.v1_sent)}.

too_large(Bin, #s{send_max = Max}) when is_integer(Max), byte_size(Bin) > Max ->
    {frame_too_large, {byte_size(Bin), Max}};
too_large(_, _) ->
    false.

emit(Bin, #s{out = Out, seq = Seq} = S) ->
    S1 = S#s{out = [Out, frame(Bin)], seq = Seq + 1},
    case S1#s.flush of
        true -> S1;
        false -> self() ! flush, S1#s{flush = true}
    end.

%% Hands what is queued to the writer when it is idle; frames that arrive while it writes
%% leave together in the next batch.
flush(#s{busy = true} = S) -> S;
flush(#s{out = []} = S) -> S;
flush(#s{out = Out, writer = W} = S) ->
    W ! {write, Out},
    S#s{out = [], busy = true}.

cancel(Alias, #s{version = 2, by_alias = BA} = S) ->
    case maps:take(Alias, BA) of
        {Id, BA1} ->
            %% The entry stays pending (the server still counts the call in flight) until its
            %% reply, cancelled or not, arrives; the reply then goes nowhere.
            {_, Seq} = maps:get(Id, S#s.pending),
            S1 = S#s{by_alias = BA1, pending = maps:put(Id, {none, Seq}, S#s.pending)},
            emit(term_to_binary({cancel, Id}), S1);
        error ->
            S#s{waiting = drop_waiting(Alias, S#s.waiting)}
    end;
cancel(Alias, #s{v1_sent = Sent} = S) ->
    %% v1: the answer will still come in its turn; it is consumed and dropped.
    Sent1 = queue:from_list([case A of Alias -> none; _ -> A end || A <- queue:to_list(Sent)]),
    S#s{v1_sent = Sent1, waiting = drop_waiting(Alias, S#s.waiting)}.

drop_waiting(Alias, W) ->
    queue:filter(fun(R) -> not (element(1, R) =:= call andalso element(2, R) =:= Alias) end, W).

%% Starts waiting requests while there is room.
pump(S) ->
    case in_flight(S) < S#s.max_in_flight of
        true ->
            case queue:out(S#s.waiting) of
                {{value, R}, W} -> pump(send(R, S#s{waiting = W}));
                {empty, _} -> S
            end;
        false ->
            S
    end.

%%---------------------------------------------------------------- receiving

frames(#s{buf = <<Len:32, Body:Len/binary, Rest/binary>>} = S) when Len =< S#s.max_frame ->
    try decode(Body, S) of
        Term -> frames(pump(message(Term, S#s{buf = Rest})))
    catch
        error:badarg ->
            %% Undecodable (or, with safe_decode, an atom this node lacks): the calls in flight
            %% cannot be matched to their replies any more.
            logger:warning("sshrpc: undecodable frame of ~b bytes from the server; closing", [Len]),
            down(S),
            exit(normal)
    end;
frames(#s{buf = <<Len:32, _/binary>>, max_frame = Max} = S) when Len > Max ->
    %% A frame we will not hold: the connection cannot be resynchronised.
    logger:warning("sshrpc: server frame of ~b bytes is over max_frame ~b; closing", [Len, Max]),
    down(S),
    exit(normal);
frames(S) ->
    S.

message({reply, Id, Status, Value}, #s{version = 2, pending = P} = S) ->
    case maps:take(Id, P) of
        {{Alias, Seq}, P1} ->
            reply(Alias, case Status of ok -> {ok, Value}; _ -> {error, Value} end),
            S#s{pending = P1, by_alias = maps:remove(Alias, S#s.by_alias),
                by_seq = maps:remove(Seq, S#s.by_seq)};
        error ->
            S
    end;
message({error, Code, Detail, {frame, Seq}}, #s{version = 2} = S) ->
    case maps:take(Seq, S#s.by_seq) of
        {Id, BySeq} ->
            {{Alias, _}, P1} = maps:take(Id, S#s.pending),
            reply(Alias, {error, {Code, Detail}}),
            S#s{by_seq = BySeq, pending = P1, by_alias = maps:remove(Alias, S#s.by_alias)};
        error ->
            logger:notice("sshrpc: server channel error ~0p", [{Code, Detail}]),
            S
    end;
message({error, Code, Detail}, #s{version = 2} = S) ->
    logger:notice("sshrpc: server channel error ~0p", [{Code, Detail}]),
    S;
message({answer, {Value, Status}}, #s{version = 1, v1_sent = Sent} = S) ->
    case queue:out(Sent) of
        {{value, Alias}, Sent1} ->
            reply(Alias, v1_result(Value, Status)),
            S#s{v1_sent = Sent1};
        {empty, _} ->
            S
    end;
message(_Other, S) ->
    S.

%% A v1 answer in the v2 reply shape.
v1_result(Value, 0) -> {ok, Value};
v1_result({exec_badrpc, {'EXIT', timeout}}, _) -> {error, timeout};
v1_result({exec_badrpc, {'EXIT', overloaded}}, _) -> {error, overloaded};
v1_result({exec_badrpc, {'EXIT', {sshrpc_denied, _} = D}}, _) -> {error, D};
v1_result({exec_badrpc, {'EXIT', {reply_too_large, _, _} = R}}, _) -> {error, R};
v1_result({exec_badrpc, Exit}, _) -> {error, Exit};
v1_result(Error, _) -> {error, Error}.
