/**
 * The Erlang server keeps several processes waiting in accept on its listen
 * socket, and each goes back to waiting after handing a connection over: a
 * single acceptor fell behind at 32,768 connections. Checked from inside the
 * VM (processes whose current function is the inet driver's accept), at a
 * small scale.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { capture } from "../system/CapturedCommand.ts"
import { discoverTargets, selectTargets } from "../targets/TargetRegistry.ts"
import { skipUnavailable } from "../testing/TargetChecks.ts"

const CONNECTIONS = 200

/** Starts echo:main on a free port with `flags`, counts the acceptors, echoes CONNECTIONS clients, counts again. */
const script = (flags: ReadonlyArray<string>) => `
{ok, L0} = gen_tcp:listen(0, []), {ok, P} = inet:port(L0), gen_tcp:close(L0),
echo:main([integer_to_list(P), "1024" | ${JSON.stringify(flags)}]),
W = fun() -> length([X || X <- erlang:processes(), erlang:process_info(X, current_function) =:= {current_function, {prim_inet, accept0, 3}}]) end,
timer:sleep(200),
io:format("acceptors before: ~b~n", [W()]),
Self = self(),
[spawn(fun() ->
    {ok, S} = gen_tcp:connect({127,0,0,1}, P, [binary, {active, false}]),
    ok = gen_tcp:send(S, <<"ping">>),
    {ok, <<"ping">>} = gen_tcp:recv(S, 4, 5000),
    Self ! echoed,
    receive never -> ok end
  end) || _ <- lists:seq(1, ${CONNECTIONS})],
N = length([x || _ <- lists:seq(1, ${CONNECTIONS}), receive echoed -> true after 10000 -> false end]),
timer:sleep(200),
io:format("echoed: ~b~nacceptors after: ~b~n", [N, W()]),
halt().`

const run = (flags: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const erlang = (yield* selectTargets(yield* discoverTargets(), ["erlang"]))[0]!
    const fs = yield* FileSystem.FileSystem
    const build = yield* fs.makeTempDirectoryScoped()
    const built = yield* capture(["sh", `${erlang.dir}/build.sh`, build])
    expect(built.stderr).toBe("")
    const out = yield* capture([
      "erl",
      "-noshell",
      "+S",
      "1",
      "-start_epmd",
      "false",
      "-pa",
      build,
      "-eval",
      script(flags)
    ])
    const count = (label: string) => Number(new RegExp(`${label}: (\\d+)`).exec(out.stdout)?.[1] ?? Number.NaN)
    return { before: count("acceptors before"), echoed: count("echoed"), after: count("acceptors after"), out }
  })

it.live(
  "erlang waits with 16 acceptors by default (acceptors=N sets it), each back in accept after its connection",
  (ctx) =>
    Effect.gen(function* () {
      const erlang = (yield* selectTargets(yield* discoverTargets(), ["erlang"]))[0]!
      yield* skipUnavailable(ctx, erlang)
      const byDefault = yield* run([])
      expect(byDefault, byDefault.out.stdout + byDefault.out.stderr).toMatchObject({
        before: 16,
        echoed: CONNECTIONS,
        after: 16
      })
      const four = yield* run(["acceptors=4"])
      expect(four, four.out.stdout + four.out.stderr).toMatchObject({ before: 4, echoed: CONNECTIONS, after: 4 })
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)),
  60_000
)
