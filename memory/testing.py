"""Helpers for tests and benchmarks of memory stores (importable by users, like
`society.testing`): seeded synthetic memories and queries, and result summaries."""

from __future__ import annotations

import random
from collections.abc import Sequence

from memory.items import MemoryItem, MemoryQuery, ScoredMemory

# fmt: off
WORDS = (
    "fish", "lake", "harvest", "catch", "norm", "vote", "limit", "fine", "sanction", "punish",
    "monitor", "stock", "low", "high", "agreed", "cooperate", "defect", "starve", "village",
    "boat", "net", "share", "rule", "warning", "exclusion", "trust", "gossip", "neighbour",
    "reputation", "season", "regrow", "collapse", "plenty", "scarce", "effort", "payoff",
)
# fmt: on
KINDS = ("observation", "outcome", "message", "sanction", "vote", "reflection")
PINNED_KINDS = ("norm", "agreed_limit")


def synthetic_items(
    *,
    agents: int,
    rounds: int,
    per_round: int = 5,
    seed: int = 0,
    pinned_every: int = 3,
    first_round: int = 0,
) -> list[MemoryItem]:
    """`per_round` unpinned items per agent and round, short texts over a small vocabulary,
    importance rounded to 3 decimals; every `pinned_every` rounds (0: never) one pinned item
    per agent of a pinned kind, superseding the previous one of that kind."""
    rng = random.Random(seed)
    items: list[MemoryItem] = []
    for round_ in range(first_round, first_round + rounds):
        for a in range(agents):
            agent = f"agent-{a}"
            for j in range(per_round):
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
                items.append(
                    MemoryItem(
                        agent=agent,
                        round=round_,
                        kind=rng.choice(KINDS),
                        text=f"round {round_}: {words}",
                        importance=round(rng.random(), 3),
                        source_seq=(round_ * agents + a) * (per_round + 1) + j,
                    )
                )
            if pinned_every and round_ % pinned_every == 0:
                items.append(
                    MemoryItem(
                        agent=agent,
                        round=round_,
                        kind=rng.choice(PINNED_KINDS),
                        text=f"the group limit is {rng.randint(1, 9)} units per round",
                        importance=1.0,
                        source_seq=(round_ * agents + a) * (per_round + 1) + per_round,
                        pinned=True,
                    )
                )
    return items


def synthetic_queries(
    *, agents: int, count: int, now_round: int, k: int = 8, seed: int = 1, varied: bool = False
) -> list[MemoryQuery]:
    """`count` queries over the agents. `varied` also mixes k, now_round, kinds filters and
    include_pinned, to exercise every branch of retrieval."""
    rng = random.Random(seed)
    queries = []
    for i in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
        if not varied:
            queries.append(
                MemoryQuery(agent=f"agent-{i % agents}", text=text, k=k, now_round=now_round)
            )
            continue
        queries.append(
            MemoryQuery(
                agent=f"agent-{rng.randrange(agents + 1)}",  # one agent has no memories
                text=text,
                k=rng.choice([0, 1, 3, k]),
                now_round=rng.randint(0, now_round),
                kinds=rng.choice([None, frozenset({"message"}), frozenset(KINDS[:3])]),
                include_pinned=rng.random() < 0.8,
            )
        )
    return queries


def result_ids(results: Sequence[Sequence[ScoredMemory]]) -> list[list[str]]:
    """The ids of each result list, in order."""
    return [[scored.item.id for scored in result] for result in results]
