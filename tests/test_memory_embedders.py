"""Embedders: the registry, the hashing embedder and the pass-through to chromadb's registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from memory import ChromaMemory, Embedder, EmbedderError, MemoryItem, MemoryQuery, make_embedder
from memory.embedders import BUILTIN_EMBEDDERS, embed_unit, normalize_rows
from memory.embedders.hashing import HashingEmbedder


@pytest.mark.parametrize("name", sorted(BUILTIN_EMBEDDERS))
def test_every_builtin_embedder_module_imports(name: str) -> None:
    # Building may need optional files (minilm); importing the module never does.
    module = {"hashing": "memory.embedders.hashing", "minilm": "memory.embedders.minilm"}[name]
    __import__(module)
    try:
        embedder = make_embedder(name)
    except EmbedderError as error:
        assert "pip install" in str(error)
        return
    assert isinstance(embedder, Embedder)
    assert embedder.name == name
    vectors = embedder.embed(["one text", "another"])
    assert vectors.dtype == np.float32 and vectors.shape[0] == 2


def test_unknown_embedder_names_list_the_choices() -> None:
    with pytest.raises(EmbedderError, match="hashing, minilm"):
        make_embedder("word2vec")
    with pytest.raises(EmbedderError, match="bad options"):
        make_embedder("hashing", dimension=3)
    with pytest.raises(ValueError, match="dim"):
        HashingEmbedder(dim=1)


def test_hashing_is_lexical_normalised_and_stable_across_processes() -> None:
    embedder = HashingEmbedder()
    vectors = embedder.embed(["Fish, FISH!", "fish", "fish lake", "lake fish", "the lake", "", "!"])
    assert vectors.shape == (7, 256)
    assert np.allclose(np.linalg.norm(vectors[:5], axis=1), 1.0)
    assert np.array_equal(vectors[0], vectors[1])  # case and punctuation ignored
    assert np.array_equal(vectors[2], vectors[3])  # word order ignored
    similarity = vectors @ vectors.T
    assert similarity[1, 2] == pytest.approx(2**-0.5)  # shares one of two words
    assert similarity[2, 4] == pytest.approx(0.5)
    assert similarity[1, 4] == 0.0  # no shared word (and no bucket collision)
    assert not vectors[5].any() and not vectors[6].any()  # no words: zero vector
    # fixed buckets and signs: blake2b, not Python's salted hash(), so every process agrees
    assert [embedder._slot(w) for w in ("fish", "lake", "the")] == [
        (112, -1.0),
        (85, -1.0),
        (94, -1.0),
    ]
    code = "from memory.embedders.hashing import HashingEmbedder as H; print(H()._slot('fish'))"
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert child.stdout.strip() == "(112, -1.0)"


def test_vectors_do_not_depend_on_the_batch() -> None:
    embedder = HashingEmbedder(dim=32)
    texts = ["alpha beta", "gamma", "beta beta delta"]
    together = embedder.embed(texts)
    assert np.array_equal(together, np.vstack([embedder.embed([t]) for t in texts]))


def test_normalisation_keeps_zero_rows_and_checks_shapes() -> None:
    rows = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert rows.dtype == np.float32
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])

    class Broken:
        name = "broken"

        def config(self) -> dict[str, Any]:
            return {}

        def embed(self, texts: Any) -> np.ndarray:
            return np.full((len(texts), 2), np.nan)

    with pytest.raises(ValueError, match="non-finite"):
        embed_unit(Broken(), ["x"])


@register_embedding_function
class CountingLettersFunction(EmbeddingFunction[Documents]):
    """A stand-in for a remote embedding function: offline, deterministic, configurable."""

    def __init__(self, letters: str = "abcdefgh") -> None:
        self.letters = letters

    def __call__(self, input: Documents) -> Embeddings:
        return [np.array([text.count(c) for c in self.letters], dtype=np.float32) for text in input]

    @staticmethod
    def name() -> str:
        return "memory_test_letters"

    def get_config(self) -> dict[str, Any]:
        return {"letters": self.letters}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> CountingLettersFunction:
        return CountingLettersFunction(config["letters"])


def test_chroma_functions_pass_through_and_reopen(tmp_path: Path) -> None:
    embedder = make_embedder("chroma:memory_test_letters", letters="aeiou")
    assert embedder.name == "chroma:memory_test_letters"
    assert embedder.config() == {"chroma_config": {"letters": "aeiou"}}
    assert embedder.embed(["banana"]).tolist() == [[3, 0, 0, 0, 0]]
    rebuilt = make_embedder(embedder.name, **embedder.config())
    assert np.array_equal(rebuilt.embed(["queue"]), embedder.embed(["queue"]))
    item = MemoryItem(agent="ann", round=0, kind="message", text="a banana", importance=0.5)
    with ChromaMemory("letters", embedder, path=tmp_path) as store:
        store.add([item])
    with ChromaMemory("letters", path=tmp_path) as reopened:  # rebuilt from chromadb's registry
        assert reopened.embedder.config() == {"chroma_config": {"letters": "aeiou"}}
        (result,) = reopened.retrieve([MemoryQuery(agent="ann", text="papaya", k=1, now_round=0)])
        assert result[0].item == item and result[0].relevance == pytest.approx(1.0)


def test_unavailable_chroma_functions_say_why() -> None:
    with pytest.raises(EmbedderError, match=r"registered names: .*openai"):
        make_embedder("chroma:no_such_function")
    # openai's function needs its package and an API key: neither is a dependency here
    with pytest.raises(EmbedderError, match="cannot be built here"):
        make_embedder("chroma:openai", api_key_env_var="MEMORY_TEST_UNSET_KEY")
