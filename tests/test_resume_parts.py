"""The pieces a resume relies on, one by one: LangGraph's SQLite saver, the round log, the
in-memory store's journal, cutting a transcript back, and naming scenario differences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memory import InMemoryMemory
from memory.embedders.hashing import HashingEmbedder
from memory.testing import synthetic_items, synthetic_queries
from society.backends.replay import CallStore
from society.checkpoint.differences import differences
from society.checkpoint.journal import JournaledMemory
from society.checkpoint.rewind import DISCARDED_FILE, TranscriptMismatch, rewind_transcript
from society.checkpoint.rounds import RoundLog, RoundMark


def test_saver_round_trips_checkpoints_and_writes(tmp_path: Path) -> None:
    log = RoundLog(tmp_path, create=True)
    saver = log.checkpointer
    thread = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}
    first = {"v": 1, "id": "1", "ts": "x", "channel_values": {"round": 1, "stock": 2.5}}
    second = {"v": 1, "id": "2", "ts": "y", "channel_values": {"round": 2, "stock": 0.1}}
    saved = saver.put(thread, first, {"step": 1}, {})  # type: ignore[arg-type]
    saver.put(saved, second, {"step": 2}, {})  # type: ignore[arg-type]
    saver.put_writes(saved, [("stock", 9.75), ("round", 3)], "task-a")
    latest = saver.get_tuple(thread)
    assert latest is not None and latest.checkpoint["channel_values"] == {"round": 2, "stock": 0.1}
    assert latest.parent_config is not None
    assert latest.parent_config["configurable"]["checkpoint_id"] == "1"
    older = saver.get_tuple(saved)
    assert older is not None and older.metadata == {"step": 1}
    assert older.pending_writes == [("task-a", "stock", 9.75), ("task-a", "round", 3)]
    assert [t.checkpoint["id"] for t in saver.list(thread)] == ["2", "1"]
    assert [t.checkpoint["id"] for t in saver.list(thread, filter={"step": 1})] == ["1"]
    log.close()
    # Another process reopening the file sees the same checkpoints.
    reopened = RoundLog(tmp_path, create=False)
    again = reopened.checkpointer.get_tuple(thread)
    assert again is not None and again.checkpoint["id"] == "2"
    reopened.checkpointer.delete_thread("t")
    assert reopened.checkpointer.get_tuple(thread) is None


def test_round_log_folds_counters_and_forgets_later_rounds(tmp_path: Path) -> None:
    with RoundLog(tmp_path, create=True) as log:
        for number, n in ((1, 2), (2, 5), (3, 7)):
            log.mark(
                RoundMark(number, 10 * number, 100 * number, 0, f"c{number}", None),
                ordinals=[("k", "a", n)] + ([("other", "b", 1)] if number == 1 else []),
                memory_batches=[[{"round": number}]],
            )
        assert log.ordinals(2) == {("k", "a"): 5, ("other", "b"): 1}
        log.forget_after(2)
        mark = log.last_mark()
        assert mark is not None and (mark.round, mark.seq, mark.checkpoint_id) == (2, 20, "c2")
        assert log.ordinals(99) == {("k", "a"): 5, ("other", "b"): 1}
        assert list(log.memory_batches(99)) == [[{"round": 1}], [{"round": 2}]]


def test_replay_counters_restore(tmp_path: Path) -> None:
    store = CallStore(tmp_path, create=True)
    assert [store.next_ordinal("k", "a") for _ in range(3)] == [0, 1, 2]
    store.next_ordinal("j", "b")
    assert store.take_moved_ordinals() == [("j", "b", 1), ("k", "a", 3)]
    assert store.take_moved_ordinals() == []
    store.restore_ordinals({("k", "a"): 1})
    assert store.next_ordinal("k", "a") == 1 and store.next_ordinal("j", "b") == 0
    store.close()


def test_journal_replay_gives_the_same_store_to_the_bit() -> None:
    items = synthetic_items(agents=4, rounds=6)
    original = JournaledMemory(InMemoryMemory(HashingEmbedder()))
    for start in range(0, len(items), 17):  # batches of uneven size, as rounds give
        original.add(items[start : start + 17])
    batches = json.loads(json.dumps(original.take_batches()))  # as stored in SQLite
    assert original.take_batches() == []
    rebuilt = JournaledMemory(InMemoryMemory(HashingEmbedder()))
    rebuilt.replay(batches)
    assert rebuilt.take_batches() == []  # replayed batches are saved already
    queries = synthetic_queries(agents=4, count=20, now_round=6, varied=True)
    assert rebuilt.retrieve(queries) == original.retrieve(queries)
    assert rebuilt.count() == original.count() == len(items)


def transcript(tmp_path: Path, lines: list[dict], tail: bytes = b"") -> RoundMark:
    body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    (tmp_path / "events.jsonl").write_bytes(body + tail)
    (tmp_path / "timings.jsonl").write_bytes(b'{"seq": 1, "latency_s": 0.5}\n')
    return RoundMark(1, len(lines), len(body), 0, "c1", None)


def test_rewind_sets_the_unfinished_round_aside(tmp_path: Path) -> None:
    done = [{"seq": 0, "kind": "run_started"}, {"seq": 1, "kind": "round_finished", "round": 1}]
    extra = b'{"seq": 2, "kind": "round_started"}\n{"seq": 3, "ki'
    mark = transcript(tmp_path, done, extra)
    rewind = rewind_transcript(tmp_path, mark)
    assert (rewind.discarded_events, rewind.cut_line) == (1, True)
    assert (tmp_path / "events.jsonl").stat().st_size == mark.events_bytes
    assert (tmp_path / "timings.jsonl").read_bytes() == b""
    assert (tmp_path / DISCARDED_FILE).read_bytes() == extra + b"\n"


def test_rewind_refuses_a_transcript_changed_after_its_checkpoint(tmp_path: Path) -> None:
    done = [{"seq": 0, "kind": "run_started"}, {"seq": 1, "kind": "round_finished", "round": 1}]
    mark = transcript(tmp_path, done)
    (tmp_path / "events.jsonl").write_bytes(b'{"seq": 0}\n')  # cut short
    with pytest.raises(TranscriptMismatch, match="cut or replaced after the checkpoint"):
        rewind_transcript(tmp_path, mark)
    # Same length, but an event of another round.
    transcript(tmp_path, [done[0], {"seq": 1, "kind": "regrowth_event", "round": 2}])
    with pytest.raises(TranscriptMismatch, match="expects an event of round 1 with seq 1"):
        rewind_transcript(tmp_path, mark)


def test_differences_name_each_changed_field() -> None:
    before = {"rounds": 5, "commons": {"rate": 0.3, "cap": 10}, "groups": [{"n": 1}, {"n": 2}]}
    after = {"rounds": 5, "commons": {"rate": 0.5}, "groups": [{"n": 1}, {"n": 3}], "new": True}
    assert differences(before, after) == [
        "commons.cap: 10 → (removed)",
        "commons.rate: 0.3 → 0.5",
        "groups[1].n: 2 → 3",
        "new: (absent) → True",
    ]
    assert differences(before, before) == []


def test_disk_flushes_per_round_by_default_only_with_llm_minds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule-only runs skip the fdatasync per round unless asked; LLM runs do it by default."""
    import asyncio
    import os

    from conftest import scenario

    from society.coordinator.runner import run_society
    from society.testing import ScriptedChatModel, effort_reply

    synced: list[int] = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(fd))
    rules = scenario("paper/rich-altruistic.yaml", rounds=3)
    asyncio.run(run_society(rules, tmp_path / "rules"))
    assert synced == []
    asyncio.run(run_society(rules, tmp_path / "rules-durable", durable=True))
    assert len(synced) >= 2 * 3  # events and timings, every round
    synced.clear()
    llm = scenario("paper/rich-altruistic.yaml", rounds=3, model={"name": "scripted:x"})
    fake = ScriptedChatModel(responder=lambda request: effort_reply(0.1))
    asyncio.run(
        run_society(llm, tmp_path / "llm", chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    assert len(synced) >= 2 * 3


def test_a_resume_keeps_the_durability_the_run_started_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import os

    from conftest import scenario

    from society.coordinator.resume import resume_society
    from society.coordinator.runner import run_society
    from society.coordinator.session import RunControl

    synced: list[int] = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(fd))
    control = RunControl()
    rules = scenario("paper/rich-altruistic.yaml", rounds=4)
    stopped = asyncio.run(
        run_society(
            rules,
            tmp_path,
            durable=True,
            control=control,
            on_round_finished=lambda number, stock: control.request_stop(),
        )
    )
    assert not stopped.finished
    synced.clear()
    finished = asyncio.run(resume_society(stopped.run_dir))
    assert finished.finished
    assert len(synced) >= 2 * 3  # rule minds alone would not flush: the run's choice holds
