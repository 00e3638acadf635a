#!/usr/bin/env escript
%%! -noinput
%% The Erlang side of EtfDifferentialIT: reads {packet,4} frames on stdin, each an external
%% term; answers each with one frame on stdout: <<0, term_to_binary(binary_to_term(Bin))/binary>>,
%% or <<1, Reason/binary>> if binary_to_term rejected it. Exits at end of input.
-mode(compile).

main(_) ->
    Port = open_port({fd, 0, 1}, [binary, {packet, 4}, eof]),
    loop(Port).

loop(Port) ->
    receive
        {Port, {data, Bin}} ->
            Reply = try term_to_binary(binary_to_term(Bin)) of
                        Out -> <<0, Out/binary>>
                    catch
                        C:R -> <<1, (iolist_to_binary(io_lib:format("~p:~p", [C, R])))/binary>>
                    end,
            Port ! {self(), {command, Reply}},
            loop(Port);
        {Port, eof} ->
            halt(0)
    end.
