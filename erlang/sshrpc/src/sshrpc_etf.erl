%% @doc Reading the head of a request the safe decoder refused, and writing replies that name
%% atoms this node does not have.
%%
%% The server decodes requests with binary_to_term(B, [safe]), which refuses atoms the node does
%% not know (atoms are never collected, so a client must not be able to create them). Such a
%% request still gets its exact reply: this module reads the request's head (tag, id, module,
%% function, arity) straight from the bytes without creating anything, and encodes
%% {sshrpc_denied, {M, F, Arity}} with M and F as atom bytes.
-module(sshrpc_etf).
-export([peek/1, denied_v2/4, denied_v1/3, undef_v2/4, undef_v1/3, existing_atom/1]).

-define(SMALL_INTEGER, 97).
-define(INTEGER, 98).
-define(ATOM, 100).
-define(SMALL_TUPLE, 104).
-define(LARGE_TUPLE, 105).
-define(NIL, 106).
-define(STRING, 107).
-define(LIST, 108).
-define(SMALL_BIG, 110).
-define(SMALL_ATOM, 115).
-define(ATOM_UTF8, 118).
-define(SMALL_ATOM_UTF8, 119).

-type text() :: binary().
-type head() :: {call, non_neg_integer(), text(), text(), non_neg_integer(), binary()}
              | {cast, text(), text(), non_neg_integer(), binary()}
              | {mfa, text(), text(), non_neg_integer(), binary()}
              | {id, non_neg_integer()}
              | unreadable.

%% The head of a request: what can be read without decoding the arguments. Atom names are
%% UTF-8 binaries; Arity is the length the argument list declares; Args the argument list as
%% a term of its own (<<131, ...>>, trailing bytes included), to decode on its own.
-spec peek(binary()) -> head().
peek(<<131, Rest/binary>>) ->
    try head(Rest) catch _:_ -> unreadable end;
peek(_) ->
    unreadable.

head(B0) ->
    {N, B1} = tuple(B0),
    {Tag, B2} = atom(B1),
    case {Tag, N} of
        {<<"call">>, 6} ->
            {Id, B3} = integer(B2),
            try
                {M, B4} = atom(B3),
                {F, B5} = atom(B4),
                {Ar, _} = list_length(B5),
                {call, Id, M, F, Ar, <<131, B5/binary>>}
            catch _:_ -> {id, Id}
            end;
        {<<"cast">>, 4} ->
            {M, B3} = atom(B2),
            {F, B4} = atom(B3),
            {Ar, _} = list_length(B4),
            {cast, M, F, Ar, <<131, B4/binary>>};
        {<<"mfa">>, 2} ->
            {3, B3} = tuple(B2),
            {M, B4} = atom(B3),
            {F, B5} = atom(B4),
            {Ar, _} = list_length(B5),
            {mfa, M, F, Ar, <<131, B5/binary>>};
        {<<"mfa">>, 4} ->
            {M, B3} = atom(B2),
            {F, B4} = atom(B3),
            {Ar, _} = list_length(B4),
            {mfa, M, F, Ar, <<131, B4/binary>>};
        {_, N} when N >= 2 ->
            {Id, _} = integer(B2),
            {id, Id}
    end.

tuple(<<?SMALL_TUPLE, N, R/binary>>) -> {N, R};
tuple(<<?LARGE_TUPLE, N:32, R/binary>>) -> {N, R}.

atom(<<?ATOM, L:16, T:L/binary, R/binary>>) -> {latin1(T), R};
atom(<<?SMALL_ATOM, L, T:L/binary, R/binary>>) -> {latin1(T), R};
atom(<<?ATOM_UTF8, L:16, T:L/binary, R/binary>>) -> {T, R};
atom(<<?SMALL_ATOM_UTF8, L, T:L/binary, R/binary>>) -> {T, R}.

latin1(T) -> unicode:characters_to_binary(T, latin1).

integer(<<?SMALL_INTEGER, I, R/binary>>) -> {I, R};
integer(<<?INTEGER, I:32/signed, R/binary>>) when I >= 0 -> {I, R};
integer(<<?SMALL_BIG, N, 0, D:N/binary, R/binary>>) when N =< 8 ->
    {binary:decode_unsigned(D, little), R}.

list_length(<<?NIL, R/binary>>) -> {0, R};
list_length(<<?STRING, L:16, R/binary>>) -> {L, R};
list_length(<<?LIST, L:32, R/binary>>) -> {L, R}.

%% The atom named Text if this node has it, else false.
-spec existing_atom(text()) -> atom() | false.
existing_atom(Text) ->
    try binary_to_existing_atom(Text, utf8) catch error:badarg -> false end.

%% {reply, Id, error, {sshrpc_denied, {M, F, Arity}}} with M and F given as names.
-spec denied_v2(non_neg_integer(), text(), text(), non_neg_integer()) -> binary().
denied_v2(Id, M, F, Ar) ->
    <<131, ?SMALL_TUPLE, 4, (enc(reply))/binary, (enc(Id))/binary, (enc(error))/binary,
      (denied(M, F, Ar))/binary>>.

%% {answer, {{exec_badrpc, {'EXIT', {sshrpc_denied, {M, F, Arity}}}}, -1}}.
-spec denied_v1(text(), text(), non_neg_integer()) -> binary().
denied_v1(M, F, Ar) ->
    <<131, ?SMALL_TUPLE, 2, (enc(answer))/binary, ?SMALL_TUPLE, 2,
      ?SMALL_TUPLE, 2, (enc(exec_badrpc))/binary, ?SMALL_TUPLE, 2, (enc('EXIT'))/binary,
      (denied(M, F, Ar))/binary, (enc(-1))/binary>>.

%% {reply, Id, error, {'EXIT', {undef, [{M, F, ArgsOrArity, []}]}}}.
-spec undef_v2(non_neg_integer(), text(), text(), [term()] | arity()) -> binary().
undef_v2(Id, M, F, Args) ->
    <<131, ?SMALL_TUPLE, 4, (enc(reply))/binary, (enc(Id))/binary, (enc(error))/binary,
      (exit_reason(undef(M, F, Args)))/binary>>.

%% {answer, {{exec_badrpc, {'EXIT', {undef, [{M, F, ArgsOrArity, []}]}}}, -1}}.
-spec undef_v1(text(), text(), [term()] | arity()) -> binary().
undef_v1(M, F, Args) ->
    <<131, ?SMALL_TUPLE, 2, (enc(answer))/binary, ?SMALL_TUPLE, 2,
      ?SMALL_TUPLE, 2, (enc(exec_badrpc))/binary, (exit_reason(undef(M, F, Args)))/binary,
      (enc(-1))/binary>>.

exit_reason(Reason) -> <<?SMALL_TUPLE, 2, (enc('EXIT'))/binary, Reason/binary>>.

undef(M, F, Args) ->
    <<?SMALL_TUPLE, 2, (enc(undef))/binary, ?LIST, 1:32, ?SMALL_TUPLE, 4,
      (atom_bytes(M))/binary, (atom_bytes(F))/binary, (enc(Args))/binary, ?NIL, ?NIL>>.

denied(M, F, Ar) ->
    <<?SMALL_TUPLE, 2, (enc(sshrpc_denied))/binary, ?SMALL_TUPLE, 3,
      (atom_bytes(M))/binary, (atom_bytes(F))/binary, (enc(Ar))/binary>>.

atom_bytes(T) when byte_size(T) =< 255 -> <<?SMALL_ATOM_UTF8, (byte_size(T)), T/binary>>;
atom_bytes(T) -> <<?ATOM_UTF8, (byte_size(T)):16, T/binary>>.

enc(T) ->
    <<131, B/binary>> = term_to_binary(T),
    B.
