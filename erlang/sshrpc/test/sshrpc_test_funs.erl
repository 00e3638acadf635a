%% Functions the tests export through the subsystem.
-module(sshrpc_test_funs).
-export([echo/1, sleep/1, sleep_then_mark/2, notify/2, raise/1, exit_with/1, throw_it/1,
         secret/0, big/1, mark/1, marked/1, mark_then_sleep/2]).

echo(X) -> X.

sleep(Ms) -> timer:sleep(Ms), slept.

%% Sleeps, then sets a mark the test reads: a call killed at its deadline never sets it.
sleep_then_mark(Ms, Key) -> timer:sleep(Ms), persistent_term:put(Key, done), done.

notify(Name, Msg) -> Name ! Msg, ok.

raise(R) -> error(R).

exit_with(R) -> exit(R).

throw_it(V) -> throw(V).

secret() -> leaked.

big(N) -> binary:copy(<<"x">>, N).

%% A mark another connection can read: how a test sees that a cast ran.
mark(Key) -> persistent_term:put({?MODULE, Key}, true), ok.

marked(Key) -> persistent_term:get({?MODULE, Key}, false).

%% Marks that it started, then sleeps: a test waits for the mark before dropping the connection.
mark_then_sleep(Key, Ms) -> mark(Key), sleep(Ms).
