"""tiktoken works offline: its BPE files are seeded from the bpe-openai package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
