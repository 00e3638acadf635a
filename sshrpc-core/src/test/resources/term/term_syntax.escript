#!/usr/bin/env escript
%% -*- erlang -*-
%% Differential check of org.sshrpc.term.TermPrinter/TermParser against a real Erlang node.
%%
%% Input (UTF-8, one case per line): Printed TAB Base64(JavaEtf) TAB Opaque
%%   Printed  - TermPrinter output; read here with erl_scan + erl_parse + erl_eval
%%   JavaEtf  - TermEncoder bytes of the same term
%%   Opaque   - "1" when the term holds a pid/ref/port/fun (no ~p syntax to read back)
%% Output, one line per input line:
%%   ok TAB Base64(term_to_binary(V)) TAB SameAsJava TAB BytesEqual TAB Base64(~p) TAB Base64(~tp)
%%   error TAB Base64(Reason)
%% then one line per Erlang-built term:
%%   erl TAB Base64(term_to_binary(T)) TAB Base64(~p) TAB Base64(~tp)
main([In, Out]) ->
    {ok, Bin} = file:read_file(In),
    Lines = binary:split(Bin, <<"\n">>, [global, trim_all]),
    Results = [check(L) || L <- Lines] ++ [erl_line(T) || T <- erl_terms()],
    ok = file:write_file(Out, [[R, $\n] || R <- Results]).

check(Line) ->
    [Printed, JavaB64, Opaque] = binary:split(Line, <<"\t">>, [global]),
    try
        Text = unicode:characters_to_list(Printed, utf8),
        {ok, Tokens, _} = erl_scan:string(Text ++ "."),
        {ok, [Expr]} = erl_parse:parse_exprs(Tokens),
        {value, V, _} = erl_eval:expr(Expr, erl_eval:new_bindings()),
        JavaEtf = base64:decode(JavaB64),
        Etf = term_to_binary(V),
        Same = binary_to_term(JavaEtf) =:= V,
        {P, TP} = case Opaque of
                      <<"1">> -> {<<"-">>, <<"-">>};
                      _ -> {b64(io_lib:format("~p", [V])), b64(io_lib:format("~tp", [V]))}
                  end,
        iolist_to_binary(["ok\t", base64:encode(Etf), $\t, atom_to_list(Same), $\t,
                          atom_to_list(Etf =:= JavaEtf), $\t, P, $\t, TP])
    catch
        C:R -> iolist_to_binary(["error\t", b64(io_lib:format("~p:~p", [C, R]))])
    end.

b64(Chars) -> base64:encode(unicode:characters_to_binary(Chars)).

erl_line(T) ->
    iolist_to_binary(["erl\t", base64:encode(term_to_binary(T)), $\t,
                      b64(io_lib:format("~p", [T])), $\t, b64(io_lib:format("~tp", [T]))]).

%% Terms built and printed by Erlang itself, read by the Java parser.
erl_terms() ->
    [lists:seq(1, 100), "hello", "héllo", [1071, 1072], "a\nb\t\e\\\"'", [],
     <<"bin">>, <<"héllo"/utf8>>, <<233>>, <<1, 2, 3:4>>, <<5:3>>, <<>>, <<0:800>>,
     {}, #{}, #{a => 1, "k" => [x | y], <<"b">> => #{1.5 => -0.0}, {t} => [[]]},
     'hello world', 'case', 'end', '', 'It\'s', '日本', 'é', 'A', '_', 'a@b', 'maybe',
     1.0e10, 0.1, 5.0e-324, 1.7976931348623157e308, -1.5, -0.0, 123456789.0, 1.0e22, 1.0e21,
     1 bsl 64, -(1 bsl 2000), 16#7FFFFFFF, -16#80000000, 255, 256, -1,
     {ok, [{a, b} | c]}, [$a | b], [1, 2 | <<"t">>], fun lists:seq/2, fun 'a b':'end'/0,
     list_to_tuple(lists:seq(1, 300)), lists:duplicate(40, #{k => [1, 2], "s" => <<"v">>}),
     maps:from_list([{N, N * N} || N <- lists:seq(1, 50)]),
     lists:foldl(fun(_, Acc) -> {Acc} end, [], lists:seq(1, 200)),
     [$\x{1F600}, $a], "\x{7F}", [0], [127, 128, 159, 160], <<128, 255, 0, "x">>].
