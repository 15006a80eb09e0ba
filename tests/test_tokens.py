"""tiktoken works offline: its BPE files are seeded from the bpe-openai package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

SCRIPT = """
import socket
def refuse(*args, **kwargs):
    raise OSError("no network in this test")
socket.socket.connect = refuse
socket.create_connection = refuse
from society import tokens
print(tokens.count_text("hello world"), tokens.count_text("hello world", "o200k_base"))
texts = ["You are a fisher.", "How much do you catch?"]
print(tokens.count_messages(texts), sum(tokens.count_text(t) for t in texts))
import tiktoken
print(len(tiktoken.get_encoding("cl100k_base").encode("tiktoken works offline")))
"""


def test_counts_tokens_offline_from_an_empty_cache(tmp_path: Path) -> None:
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "tiktoken")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[:2] == ["2", "2"]  # "hello world" is two tokens in both encodings
    # message bodies + 4 per message + 2 for the reply primer
    assert int(lines[2]) == int(lines[3]) + 2 * 4 + 2
    assert int(lines[4]) > 0
    assert len(list((tmp_path / "tiktoken").iterdir())) == 2


# Counting a text line by line (society.tokens._LINE_CUT) must give tiktoken's count of the
# whole text: generated texts rich in the characters where the encodings' piece rules differ
# (cutting before "/" too fails here: o200k_base keeps "/" with the punctuation and newline
# before it).
_ALPHABET = [
    *["a", "Bc", "usr", "7", "123", "é", "'s", "_", "-", ".", ":", "/", "{", '"', "~", "!"],
    *[" ", "  ", "\t", "\u00a0", "\n", "\n\n", "\r\n", " \n"],
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=12).map("".join))
def test_counting_by_lines_is_counting_the_whole_text(text: str) -> None:
    from society import tokens

    for name in tokens.OFFLINE_ENCODINGS:
        assert tokens.count_text(text, name) == len(tokens.encoding(name).encode_ordinary(text))


def test_every_prompt_of_a_run_is_counted_as_a_whole(tmp_path: Path) -> None:
    """Every message a scripted run with every institution and memory on sends (the shipped
    prompts) is counted as tiktoken counts the whole message, in both encodings."""
    import asyncio
    import json

    from conftest import EVERY_INSTITUTION, ROOT, scenario

    from society import tokens
    from society.coordinator.runner import run_society
    from society.testing import ScriptedChatModel

    sys.path.insert(0, str(ROOT / "tests" / "pinned"))
    from digests import scripted_reply

    s = scenario(
        "demo.yaml", rounds=2, seed=5, model={"name": "scripted:x"}, institutions=EVERY_INSTITUTION
    )
    fake = ScriptedChatModel(responder=scripted_reply)
    run = asyncio.run(
        run_society(s, tmp_path / "run", chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    texts = set()
    for line in (run.run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["kind"] == "llm_call":
            texts.update(m["content"] for m in event["messages"])
            texts.add(event["reply"])
    assert len(texts) > 20 and any(text.count("\n") > 10 for text in texts)
    for name in tokens.OFFLINE_ENCODINGS:
        for text in texts:
            assert tokens.count_text(text, name) == len(tokens.encoding(name).encode_ordinary(text))
