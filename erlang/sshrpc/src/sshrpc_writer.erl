%% @doc A channel's writer: the one process that calls ssh_connection:send for a channel, so the
%% channel process never blocks on the peer's SSH window and keeps reading (a channel blocked in
%% send while the peer waits for it to read would deadlock). The channel hands it one batch at
%% a time and gathers what becomes ready meanwhile into the next batch.
-module(sshrpc_writer).
-export([start_link/2]).

start_link(Cm, Ch) ->
    Parent = self(),
    spawn_link(fun() -> loop(Parent, Cm, Ch) end).

loop(Parent, Cm, Ch) ->
    receive
        {write, Data} ->
            case ssh_connection:send(Cm, Ch, Data, infinity) of
                ok ->
                    Parent ! {sshrpc_written, self()},
                    loop(Parent, Cm, Ch);
                {error, Reason} ->
                    Parent ! {sshrpc_write_failed, self(), Reason}
            end;
        stop ->
            ok
    end.
