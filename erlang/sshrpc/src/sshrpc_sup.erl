%% @doc The top supervisor: client connections are temporary children of sshrpc_conn_sup, so
%% they outlive the process that opened them (an erl shell evaluator restarts on every
%% exception) and stop with the application.
-module(sshrpc_sup).
-behaviour(supervisor).
-export([start_link/0, init/1, start_connection/1]).

start_link() ->
    supervisor:start_link({local, sshrpc_sup}, ?MODULE, top).

%% Starts one client connection process (it connects after returning, see sshrpc_client).
start_connection(Args) ->
    supervisor:start_child(sshrpc_conn_sup, Args).

init(top) ->
    Conns = #{id => sshrpc_conn_sup,
              start => {supervisor, start_link, [{local, sshrpc_conn_sup}, ?MODULE, conns]},
              type => supervisor, shutdown => infinity},
    {ok, {#{strategy => one_for_one, intensity => 5, period => 10}, [Conns]}};
init(conns) ->
    Conn = #{id => sshrpc_client, start => {sshrpc_client, start_link, []},
             restart => temporary, shutdown => 5000, type => worker},
    {ok, {#{strategy => simple_one_for_one, intensity => 0, period => 1}, [Conn]}}.
