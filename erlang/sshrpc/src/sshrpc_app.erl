%% @doc The sshrpc application: starts the supervisor of client connections.
-module(sshrpc_app).
-behaviour(application).
-export([start/2, stop/1]).

start(_Type, _Args) ->
    sshrpc_sup:start_link().

stop(_State) ->
    ok.
