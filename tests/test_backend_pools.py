"""Model pools: replicas of one model behind several base URLs. Calls go to the least-loaded
server under each server's cap; a server that fails is marked down and the call retried on
another one at once; which server answered goes to timings.jsonl, never to events.jsonl.

The end-to-end test runs a society through the real `ChatOpenAI` client against two
OpenAI-compatible stub servers on 127.0.0.1 and kills one of them in the middle of the run."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import scenario

from society.backends.base import CallFailed, ChatReply, ChatRequest
from society.backends.pool import Dispatcher, PooledBackend
from society.backends.replay import STORE_FILE
from society.backends.retry import RetryingBackend, RetryPolicy
from society.backends.stack import BackendOptions
from society.coordinator.runner import run_society
from society.scenario import ScenarioError, load_scenario
from society.testing import StubOpenAIServer, StubReply, StubRequest
from society.transcript import Decision, DecisionFailed, LLMCall, RunFinished, read_events
from society.transcript.writer import EVENTS_FILE, TIMINGS_FILE


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Server:
    """A backend standing for one replica: waits until released, or fails on purpose."""

    def __init__(self, name: str) -> None:
        self.label = "scripted:pooled"
        self.mode = "text"
        self.name = name
        self.in_flight = 0
        self.most_in_flight = 0
        self.fail_with: BaseException | None = None
        self.gate = asyncio.Event()
        self.gate.set()

    async def complete(self, request: ChatRequest) -> ChatReply:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.gate.wait()
            if self.fail_with is not None:
                raise self.fail_with
            return ChatReply(text=f"from {self.name}", attempt=request.attempt)
        finally:
            self.in_flight -= 1


def request(agent: str = "a-1") -> ChatRequest:
    return ChatRequest((), None, agent, 1, "harvest", "harvest_effort")


def pool_of(
    caps: dict[str, int], clock: Clock, down_s: float = 30.0
) -> tuple[PooledBackend, dict[str, Server]]:
    dispatcher = Dispatcher(clock)
    servers = {name: Server(name) for name in caps}
    for name, cap in caps.items():
        dispatcher.reserve(f"url:{name}", name, cap, down_s)
    keys = [f"url:{name}" for name in caps]
    backends = {f"url:{name}": server for name, server in servers.items()}
    return PooledBackend(dispatcher.pool(keys), backends), servers


def test_calls_go_to_the_least_loaded_server_under_each_cap() -> None:
    async def scenario_() -> None:
        pooled, servers = pool_of({"a": 2, "b": 4}, Clock())
        for server in servers.values():
            server.gate.clear()
        tasks = [asyncio.create_task(pooled.complete(request(f"a-{i}"))) for i in range(9)]
        await asyncio.sleep(0.01)
        # Least loaded by share of the cap: b takes 2 of its 4 before a's second call.
        assert (servers["a"].in_flight, servers["b"].in_flight) == (2, 4)  # caps reached
        assert sum(not t.done() for t in tasks) == 9  # 3 wait in line for a slot
        servers["a"].gate.set()
        await asyncio.sleep(0.01)
        assert sum(t.done() for t in tasks) >= 2  # waiting calls took a's freed slots
        servers["b"].gate.set()
        replies = await asyncio.gather(*tasks)
        assert servers["a"].most_in_flight == 2 and servers["b"].most_in_flight == 4
        assert {r.server for r in replies} == {"a", "b"}
        assert all(r.text == f"from {r.server}" for r in replies)

    asyncio.run(scenario_())

    async def spread() -> Counter[str]:
        pooled, servers = pool_of({"a": 4, "b": 4}, Clock())
        for server in servers.values():
            server.gate.clear()
        tasks = [asyncio.create_task(pooled.complete(request())) for _ in range(4)]
        await asyncio.sleep(0.01)
        loads = Counter({name: s.in_flight for name, s in servers.items()})
        for server in servers.values():
            server.gate.set()
        await asyncio.gather(*tasks)
        return loads

    # Not first-fit: two servers with room share the calls evenly.
    assert asyncio.run(spread()) == Counter({"a": 2, "b": 2})


class Refused(ConnectionError):
    pass


def test_a_failed_server_is_passed_over_for_a_while_and_the_call_retried_elsewhere() -> None:
    clock = Clock()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def scenario_() -> None:
        pooled, servers = pool_of({"a": 2, "b": 2}, clock, down_s=30.0)
        servers["a"].fail_with = Refused("connection refused")
        retrying = RetryingBackend(pooled, RetryPolicy(retries=3, backoff_s=1.0), sleep=sleep)
        reply = await retrying.complete(request())
        # The first try went to a (first listed, equally loaded), failed, and was retried on
        # b at once: no backoff while another server is up.
        assert reply.server == "b" and reply.attempt == 2
        (failed,) = reply.failed_tries
        assert failed.server == "a" and failed.transient and "Refused" in failed.error
        assert waits == []
        # a stays down: the next calls go to b only, even when b is busier.
        servers["a"].fail_with = None
        servers["b"].gate.clear()
        held = [asyncio.create_task(pooled.complete(request())) for _ in range(3)]
        await asyncio.sleep(0.01)
        assert servers["a"].in_flight == 0 and servers["b"].in_flight == 2  # one waits for b
        servers["b"].gate.set()
        assert {r.server for r in await asyncio.gather(*held)} == {"b"}
        # After server_down_s it is tried again (a probe) and, answering, is up again.
        clock.now += 30.0
        servers["a"].gate.clear()
        servers["b"].gate.clear()
        first = asyncio.create_task(pooled.complete(request()))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(pooled.complete(request()))
        await asyncio.sleep(0.01)
        servers["a"].gate.set()
        servers["b"].gate.set()
        assert {(await first).server, (await second).server} == {"a", "b"}

    asyncio.run(scenario_())


def test_with_every_server_down_calls_back_off_and_fail_as_before() -> None:
    clock = Clock()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds

    async def scenario_() -> None:
        pooled, servers = pool_of({"a": 1, "b": 1}, clock, down_s=30.0)
        for server in servers.values():
            server.fail_with = Refused("connection refused")
        retrying = RetryingBackend(
            pooled, RetryPolicy(retries=3, backoff_s=1.0, jitter=0.0), sleep=sleep
        )
        with pytest.raises(CallFailed) as failed:
            await retrying.complete(request())
        tries = failed.value.tries
        assert [t.server for t in tries] == ["a", "b", "a", "b"]  # the one back soonest
        assert waits == [2.0, 4.0]  # after both were down: the usual doubling backoff

    asyncio.run(scenario_())


def test_a_request_error_does_not_mark_the_server_down() -> None:
    class BadRequest(Exception):
        status_code = 400

    async def scenario_() -> None:
        pooled, servers = pool_of({"a": 1, "b": 1}, Clock())
        servers["a"].fail_with = BadRequest("no such field")
        with pytest.raises(BadRequest):
            await pooled.complete(request())
        servers["a"].fail_with = None
        assert (await pooled.complete(request())).server == "a"  # still up

    asyncio.run(scenario_())


def answer(request: StubRequest) -> StubReply:
    return StubReply(content=json.dumps({"effort": 0.2, "rationale": "pooled"}))


def test_a_society_survives_a_replica_killed_mid_run_and_replays_identically(
    tmp_path: Path,
) -> None:
    lock = threading.Lock()
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()

    def replica(name: str, kill_at: int | None = None) -> StubOpenAIServer:
        def respond(request: StubRequest) -> StubReply:
            with lock:
                in_flight[name] += 1
                most[name] = max(most[name], in_flight[name])
                total = in_flight[name]
            try:
                time.sleep(0.05)  # calls overlap
                if kill_at is not None and len(server.requests) >= kill_at:
                    server.kill()  # this request and those in flight get no reply
                return answer(request)
            finally:
                with lock:
                    in_flight[name] -= 1
                    assert total >= 1

        server = StubOpenAIServer(respond)
        return server

    a, b = replica("a", kill_at=5), replica("b")
    store = tmp_path / "store"
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with a, b:
        s = scenario(
            "paper/_base.yaml",
            name="pooled",
            rounds=4,
            model={
                "name": "openai:pooled",
                "base_url": [a.base_url, b.base_url],
                "max_concurrency": 2,
                "backoff_s": 5.0,  # a failover must not wait for it
                "server_down_s": 600,  # a stays down for the whole run, however slow the machine
            },
            population=[{"name": "villagers", "count": 6}],
        )
        recorded = asyncio.run(
            run_society(s, tmp_path / "rec", backends=BackendOptions(record=store, sleep=sleep))
        )
    # a answered until its 5th request killed it (with the one in flight beside it, if any).
    assert a.dead and 3 <= a.answered < len(a.requests) and b.answered > 0
    assert most["a"] <= 2 and most["b"] <= 2  # each replica under its cap

    run_dir = recorded.run_dir
    events = list(read_events(run_dir))
    finished = next(e for e in events if isinstance(e, RunFinished))
    assert finished.rounds_completed == 4
    assert not [e for e in events if isinstance(e, DecisionFailed)]
    assert len([e for e in events if isinstance(e, Decision)]) == 24
    calls = {e.seq: e for e in events if isinstance(e, LLMCall)}
    failed = [c for c in calls.values() if c.reply is None]
    assert failed and all("ConnectionError: Connection error" in (c.error or "") for c in failed)
    assert waits == []  # a failover retries at once, with no backoff

    timings = [json.loads(line) for line in (run_dir / TIMINGS_FILE).read_text().splitlines()]
    server_of = {t["seq"]: t.get("server") for t in timings}
    assert {server_of[seq] for seq in calls} == {a.base_url, b.base_url}
    assert {server_of[c.seq] for c in failed} == {a.base_url}
    # Every failed try was retried on b, and once a was down nothing more went there.
    killed_in = min(c.round for c in failed)
    later = [seq for seq, c in calls.items() if c.round > killed_in]
    assert later and {server_of[seq] for seq in later} == {b.base_url}
    for call in failed:
        retry = next(
            c
            for c in calls.values()
            if (c.agent, c.round, c.phase, c.attempt)
            == (call.agent, call.round, call.phase, call.attempt + 1)
        )
        assert retry.parsed is not None and server_of[retry.seq] == b.base_url

    # No event but the scenario's copy in run_started names a server, and a replay (with no
    # server at all) is byte-identical.
    original = (run_dir / EVENTS_FILE).read_bytes()
    after_start = original.split(b"\n", 1)[1]
    for server in (a, b):
        assert server.base_url.split("//")[1].encode() not in after_start
    assert (store / STORE_FILE).is_file()

    def no_model(spec: object) -> object:
        raise AssertionError("replay builds no model")

    replayed = asyncio.run(
        run_society(
            s, tmp_path / "rep", chat_model_factory=no_model, backends=BackendOptions(replay=store)
        )
    )
    assert (replayed.run_dir / EVENTS_FILE).read_bytes() == original
    replay_timings = (replayed.run_dir / TIMINGS_FILE).read_text()
    assert '"server"' not in replay_timings  # a replay names no server: none answered


def test_servers_with_their_own_caps(tmp_path: Path) -> None:
    lock = threading.Lock()
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()

    def replica(name: str) -> StubOpenAIServer:
        def respond(request: StubRequest) -> StubReply:
            with lock:
                in_flight[name] += 1
                most[name] = max(most[name], in_flight[name])
            try:
                time.sleep(0.05)
                return answer(request)
            finally:
                with lock:
                    in_flight[name] -= 1

        return StubOpenAIServer(respond)

    with replica("big") as big, replica("small") as small:
        s = scenario(
            "paper/_base.yaml",
            name="caps",
            rounds=2,
            model={
                "name": "openai:pooled",
                "servers": [
                    {"base_url": big.base_url, "max_concurrency": 3},
                    {"base_url": small.base_url, "max_concurrency": 1},
                ],
            },
            population=[{"name": "villagers", "count": 8}],
        )
        result = asyncio.run(run_society(s, tmp_path))
    assert result.metrics.rounds_completed == 2
    assert most == Counter({"big": 3, "small": 1})
    assert big.answered > small.answered > 0
    resolved = (result.run_dir / "scenario.yaml").read_text()
    assert "max_concurrency: 3" in resolved and "server_down_s" not in resolved


def test_pool_fields_are_validated_with_file_and_line(tmp_path: Path) -> None:
    def errors(model: str) -> str:
        path = tmp_path / "pool.yaml"
        path.write_text(
            "extends: " + str(Path(__file__).parent.parent / "scenarios/paper/_base.yaml") + "\n"
            "name: pool\n"
            "model:\n" + model
        )
        with pytest.raises(ScenarioError) as error:
            load_scenario(path)
        return str(error.value)

    twice = errors(
        "  name: openai:m\n"
        "  base_url:\n"
        "    - http://127.0.0.1:8001/v1\n"
        "    - http://127.0.0.1:8001/v1/\n"
    )
    assert (
        "pool.yaml:7: model.base_url[1]: server 'http://127.0.0.1:8001/v1' is listed twice" in twice
    )
    both = errors(
        "  name: openai:m\n"
        "  base_url: http://127.0.0.1:8001/v1\n"
        "  servers: [{base_url: http://127.0.0.1:8002/v1}]\n"
    )
    assert "pool.yaml:6: model.servers: give either base_url or servers, not both" in both
    secret = errors(
        "  name: openai:m\n"
        "  servers:\n"
        "    - {base_url: http://127.0.0.1:8002/v1, max_concurrency: 2}\n"
        "    - {base_url: 'http://me:pw@127.0.0.1:8003/v1'}\n"
    )
    assert "pool.yaml:7: model.servers[1].base_url:" in secret and "credentials" in secret
    zero = errors(
        "  name: openai:m\n  servers:\n    - {base_url: http://h/v1, max_concurrency: 0}\n"
    )
    assert "pool.yaml:6: model.servers[0].max_concurrency:" in zero
    empty = errors("  name: openai:m\n  base_url: []\n")
    assert "pool.yaml:5: model.base_url: list at least one base URL" in empty
