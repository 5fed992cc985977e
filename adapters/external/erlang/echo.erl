%% Erlang echo server: gen_tcp, one process per connection, passive
%% ({active,false}) recv/send loop, socket buffers raised from the default to
%% 16 KiB as the original benchmark did.
%%
%%   erl -noshell +S 1 -start_epmd false -pa BUILD -run echo main Port Backlog [nodelay] [reuseport] [host=ADDRESS] [acceptors=N]
%%
%% host= names the address to listen on (default 127.0.0.1); acceptors= how
%% many processes wait in gen_tcp:accept on the listen socket (default 16).
-module(echo).
-export([main/1]).

main([PortS, BacklogS | Flags]) ->
    Port = list_to_integer(PortS),
    Backlog = list_to_integer(BacklogS),
    NoDelay = lists:member("nodelay", Flags),
    Name = case NoDelay of true -> "erlang-nodelay"; false -> "erlang" end,
    HostS = lists:foldl(fun("host=" ++ H, _) -> H; (_, Acc) -> Acc end, "127.0.0.1", Flags),
    Acceptors = lists:foldl(fun("acceptors=" ++ N, _) -> list_to_integer(N); (_, Acc) -> Acc end, 16, Flags),
    {ok, Ip} = inet:parse_address(HostS),
    %% OTP 25's inet driver has no reuseport option: SO_REUSEPORT (level
    %% SOL_SOCKET = 1, option 15 on Linux) set raw, before bind.
    ReusePort = case lists:member("reuseport", Flags) of
                    true -> [{raw, 1, 15, <<1:32/native>>}];
                    false -> []
                end,
    Opts = ReusePort ++ [binary, {packet, raw}, {active, false}, {reuseaddr, true},
            {ip, Ip}, {backlog, Backlog},
            {recbuf, 16384}, {sndbuf, 16384}, {buffer, 16384},
            {nodelay, NoDelay}],
    Self = self(),
    %% The listen socket belongs to this owner process, which outlives this
    %% function (called by init via -run). Several acceptors wait on it, the
    %% usual Erlang pattern (ranch, cowboy): with one, accepting is a single
    %% process among thousands of busy connection processes on the one
    %% scheduler, and at 32k connections the accept queue fills and the
    %% kernel drops handshakes while it waits for its turn.
    spawn(fun() ->
                  case gen_tcp:listen(Port, Opts) of
                      {ok, Listen} ->
                          [spawn_link(fun() -> accept(Listen) end) || _ <- lists:seq(1, Acceptors)],
                          Self ! listening,
                          receive stop -> ok end;
                      {error, Reason} ->
                          Self ! {error, Reason}
                  end
          end),
    receive
        listening ->
            io:format("~s listening on ~s:~b~n", [Name, HostS, Port]);
        {error, Reason} ->
            io:format(standard_error, "~s: listen: ~p~n", [Name, Reason]),
            erlang:halt(1)
    end;
main(_) ->
    io:format(standard_error, "usage: -run echo main Port Backlog [nodelay] [reuseport] [host=ADDRESS] [acceptors=N]~n", []),
    erlang:halt(2).

%% Accepted sockets inherit the listen socket's options. Acceptors run at
%% high priority so a backlog of handshakes is taken before more echo work.
accept(Listen) ->
    process_flag(priority, high),
    accept_loop(Listen).

accept_loop(Listen) ->
    case gen_tcp:accept(Listen) of
        {ok, Socket} ->
            Pid = spawn(fun() -> receive go -> loop(Socket) end end),
            ok = gen_tcp:controlling_process(Socket, Pid),
            Pid ! go,
            accept_loop(Listen);
        {error, closed} ->
            ok;
        {error, Reason} ->
            %% emfile / enfile / system_limit: wait and retry.
            io:format(standard_error, "accept: ~p~n", [Reason]),
            timer:sleep(100),
            accept_loop(Listen)
    end.

loop(Socket) ->
    case gen_tcp:recv(Socket, 0) of
        {ok, Data} ->
            case gen_tcp:send(Socket, Data) of
                ok -> loop(Socket);
                {error, _} -> gen_tcp:close(Socket)
            end;
        {error, _} -> % closed, econnreset, ...
            gen_tcp:close(Socket)
    end.
