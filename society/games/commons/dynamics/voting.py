"""Collective choice: plurality vote over proposals with a seeded tie-break."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class VoteResult:
    counts: dict[str, int]
    winner: str | None
    tied: list[str]  # the proposals that shared the top count (one unless a tie was broken)


def plurality(ballot: Sequence[str], votes: Mapping[str, str], rng: random.Random) -> VoteResult:
    """Count `votes` (voter -> proposal id) over `ballot` (proposal ids in a fixed order).
    Votes for ids not on the ballot are a caller error. With no votes there is no winner."""
    unknown = sorted({choice for choice in votes.values() if choice not in ballot})
    if unknown:
        raise ValueError(f"votes for proposals not on the ballot: {unknown}")
    tally = Counter(votes[voter] for voter in sorted(votes))
    counts = {proposal: tally.get(proposal, 0) for proposal in ballot}
    top = max(counts.values(), default=0)
    if top == 0:
        return VoteResult(counts, None, [])
    tied = [proposal for proposal in ballot if counts[proposal] == top]
    winner = tied[0] if len(tied) == 1 else rng.choice(tied)
    return VoteResult(counts, winner, tied)
