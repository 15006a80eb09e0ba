"""Throughput against a real OpenAI-compatible server: society's calls per second against a
bare async client sending the same requests at the same concurrency.

For each concurrency cap: a short society run (LLM agents on the paper commons, through the
full stack: ChatOpenAI, retries, meter, pool, memory, transcript, checkpoints) records every
HTTP request it sends (method, path, body bytes) with an httpx event hook on the model's own
client; then a bare `httpx.AsyncClient` with `cap` workers sends exactly those requests again.
Both rates are calls ÷ the span from the first request sent to the last response read. The
runs alternate (society, bare, society, bare, ...) so both see the same machine load and the
same prompt cache of the server; every figure is the median over `--repeats`.

    shared/tools/local-llm setup && shared/tools/local-llm serve      # 4 slots, port 8088
    .venv/bin/python bench/server_throughput.py                        # cap 4 (= the slots)
    .venv/bin/python bench/server_throughput.py --caps 1,2,4,8,16 --repeats 1
    .venv/bin/python bench/server_throughput.py --source /tmp/before   # another checkout's society

Needs the server to be running (it is never started here); prints why and exits 1 if not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def _source_first() -> None:
    """With --source DIR, import society from that checkout (a before/after comparison)."""
    if "--source" in sys.argv:
        sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--source") + 1]).resolve()))


_source_first()

from society.backends.resolve import init_chat_model_factory  # noqa: E402
from society.coordinator.runner import run_society  # noqa: E402
from society.scenario.loading import load_scenario, load_scenario_with_data  # noqa: E402
from society.transcript import LLMCall, read_events  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BASE_SCENARIO = REPO / "scenarios" / "paper" / "_base.yaml"
PAPER_AGENTS = 10
PORT = os.environ.get("LOCAL_LLM_PORT", "8088")
DEFAULT_URL = os.environ.get("LOCAL_LLM_BASE_URL", f"http://127.0.0.1:{PORT}/v1")
DEFAULT_MODEL = os.environ.get("LOCAL_LLM_MODEL", "qwen2.5-0.5b")


@dataclass(frozen=True)
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Capture:
    """What the society's HTTP client sent, and when the first request left and the last
    response was read."""

    sent: list[Sent] = field(default_factory=list)
    first: float | None = None
    last: float | None = None
    sent_at: list[float] = field(default_factory=list)
    done_at: dict[int, float] = field(default_factory=dict)  # request index -> response read
    _index: dict[int, int] = field(default_factory=dict)  # id(httpx.Request) -> index

    async def on_request(self, request: httpx.Request) -> None:
        now = time.perf_counter()
        self.first = now if self.first is None else min(self.first, now)
        headers = {k: v for k, v in request.headers.items() if k.lower() in KEPT_HEADERS}
        self._index[id(request)] = len(self.sent)
        self.sent.append(Sent(request.method, str(request.url), headers, request.content))
        self.sent_at.append(now)

    async def on_response(self, response: httpx.Response) -> None:
        await response.aread()
        self.last = time.perf_counter()
        self.done_at[self._index[id(response.request)]] = self.last

    def phases(self) -> list[list[Sent]]:
        """The requests in batches the society sent after all earlier ones were answered
        (its phases: an agent's next phase needs the last one's outcome)."""
        batches: list[list[Sent]] = []
        answered_by = float("-inf")
        for index, item in enumerate(self.sent):
            if not batches or self.sent_at[index] >= answered_by:
                batches.append([])
            batches[-1].append(item)
            answered_by = max(answered_by, self.done_at.get(index, float("inf")))
        return batches


KEPT_HEADERS = {"content-type", "accept", "authorization"}


@dataclass(frozen=True)
class Rate:
    calls: int
    span_s: float

    @property
    def per_second(self) -> float:
        return self.calls / self.span_s


def scenario_for(args: argparse.Namespace, cap: int) -> Any:
    base = load_scenario_with_data(BASE_SCENARIO).data["commons"]
    commons = dict(base)
    commons["capacity"] = float(base["capacity"]) * args.agents / PAPER_AGENTS
    commons["productivity"] = float(base["productivity"]) * PAPER_AGENTS / args.agents
    return load_scenario(
        BASE_SCENARIO,
        {
            "name": f"throughput-cap{cap}",
            "rounds": args.rounds,
            "commons": commons,
            "model": {
                "name": f"openai:{args.model}",
                "base_url": args.base_url,
                "temperature": 0.0,
                "max_tokens": args.max_tokens,
                "max_concurrency": cap,
                "timeout_s": args.timeout,
                "structured_output": args.structured_output,
            },
            "population": [{"name": "agents", "count": args.agents, "persona": "neutral"}],
        },
    )


def society_run(args: argparse.Namespace, cap: int) -> tuple[Rate, Capture, dict[str, Any]]:
    capture = Capture()

    def factory(spec: Any) -> Any:
        model = init_chat_model_factory(spec)
        model.http_async_client.event_hooks = {
            "request": [capture.on_request],
            "response": [capture.on_response],
        }
        return model

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = asyncio.run(
            run_society(scenario_for(args, cap), Path(out), chat_model_factory=factory)
        )
        wall = time.perf_counter() - started
        calls = [e for e in read_events(result.run_dir) if isinstance(e, LLMCall)]
    if capture.first is None or capture.last is None:
        raise SystemExit("the society sent no request")
    info = {
        "wall_s": wall,
        "llm_calls": len(calls),
        "failed": sum(c.reply is None for c in calls),
        "rounds": result.metrics.rounds_completed,
        "prompt_tokens": sum(c.input_tokens for c in calls),
        # (a checkout from before cached tokens were recorded reports none)
        "cached_tokens": sum(getattr(c, "cached_input_tokens", 0) for c in calls),
        "reply_tokens": sum(c.output_tokens for c in calls),
    }
    return Rate(len(capture.sent), capture.last - capture.first), capture, info


async def bare_replay(batches: list[list[Sent]], cap: int, timeout: float) -> Rate:
    """`cap` workers send the recorded requests, in the recorded order, on one client; each
    batch after the one before it is answered (one batch: no waits at all)."""
    limits = httpx.Limits(max_connections=cap, max_keepalive_connections=cap)
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        for batch in batches:
            await _send_all(client, batch, cap)
    return Rate(sum(len(b) for b in batches), time.perf_counter() - started)


async def _send_all(client: httpx.AsyncClient, sent: list[Sent], cap: int) -> None:
    queue: asyncio.Queue[Sent] = asyncio.Queue()
    for item in sent:
        queue.put_nowait(item)

    async def worker() -> None:
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            response = await client.request(
                item.method, item.url, headers=item.headers, content=item.body
            )
            await response.aread()
            response.raise_for_status()

    await asyncio.gather(*(worker() for _ in range(cap)))


def server_up(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=DEFAULT_URL)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--caps", default="4", help="comma-separated concurrency caps")
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=60)
    parser.add_argument("--structured-output", default="auto")
    parser.add_argument("--timeout", type=float, default=300.0, help="per-call timeout, s")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    parser.add_argument("--source", help="a society checkout to import instead of this one")
    args = parser.parse_args()
    if not server_up(args.base_url):
        print(
            f"no server answers at {args.base_url}: start one, e.g. "
            "`shared/tools/local-llm setup && shared/tools/local-llm serve`",
            file=sys.stderr,
        )
        raise SystemExit(1)
    load_before = os.getloadavg()[0]
    rows = []
    for cap in (int(c) for c in args.caps.split(",")):
        society_rates, bare_rates, phased_rates, infos = [], [], [], []
        for repeat in range(args.repeats):
            rate, capture, info = society_run(args, cap)
            society_rates.append(rate.per_second)
            infos.append(info)
            bare = asyncio.run(bare_replay([capture.sent], cap, args.timeout))
            bare_rates.append(bare.per_second)
            phases = capture.phases()
            phased = asyncio.run(bare_replay(phases, cap, args.timeout))
            phased_rates.append(phased.per_second)
            print(
                f"  cap {cap} #{repeat + 1}: society {rate.calls} calls in {rate.span_s:.1f} s "
                f"= {rate.per_second:.3f}/s (run wall {info['wall_s']:.1f} s, "
                f"{info['failed']} failed calls); bare {bare.calls} in {bare.span_s:.1f} s "
                f"= {bare.per_second:.3f}/s; bare in the society's {len(phases)} phases "
                f"{phased.span_s:.1f} s = {phased.per_second:.3f}/s",
                file=sys.stderr,
                flush=True,
            )
        society_rate = statistics.median(society_rates)
        bare_rate = statistics.median(bare_rates)
        phased_rate = statistics.median(phased_rates)
        rows.append(
            {
                "cap": cap,
                "calls": infos[0]["llm_calls"],
                "society_per_s": society_rate,
                "bare_per_s": bare_rate,
                "ratio": society_rate / bare_rate,
                "phased_per_s": phased_rate,
                "phased_ratio": society_rate / phased_rate,
                "society_samples": society_rates,
                "bare_samples": bare_rates,
                "phased_samples": phased_rates,
                "prompt_tokens_per_call": infos[0]["prompt_tokens"] / infos[0]["llm_calls"],
                "cached_share": infos[0]["cached_tokens"] / max(1, infos[0]["prompt_tokens"]),
                "reply_tokens_per_call": infos[0]["reply_tokens"] / infos[0]["llm_calls"],
            }
        )
    import society

    print(f"society from {Path(society.__file__).parent.parent}")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, server {args.base_url}, "
        f"model {args.model}; {args.agents} agents × {args.rounds} rounds, max_tokens "
        f"{args.max_tokens}, median of {args.repeats}; load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after"
    )
    header = (
        f"{'cap':>4} {'calls':>5} {'society calls/s':>15} {'bare calls/s':>12} {'ratio':>6} "
        f"{'phased calls/s':>14} {'ratio':>6} {'prompt tok':>10} {'cached':>6} {'reply tok':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['cap']:>4} {r['calls']:>5} {r['society_per_s']:>15.3f} {r['bare_per_s']:>12.3f} "
            f"{r['ratio']:>6.3f} {r['phased_per_s']:>14.3f} {r['phased_ratio']:>6.3f} "
            f"{r['prompt_tokens_per_call']:>10.0f} {r['cached_share']:>6.0%} "
            f"{r['reply_tokens_per_call']:>9.1f}"
        )
    print(
        "rates: calls ÷ (last response − first request). ratio = society ÷ bare client "
        "(same requests, same concurrency, sent as fast as slots free up). phased: the bare "
        "client sending the society's phases one after another (a phase's requests once the "
        "previous phase is answered, as rounds require): society ÷ phased is the framework's "
        "own cost. prompt/reply tok: per call; cached: share of prompt tokens the server read "
        "from its cache (society's run)."
    )
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
