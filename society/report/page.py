"""The HTML page: one file with our CSS and script inline and the run data embedded as
gzip-compressed JSON in base64 (decoded by the browser's DecompressionStream), so the page
loads nothing from the network and a large run stays a few megabytes."""

from __future__ import annotations

import base64
import gzip
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from society.report.extract import RunData, load_run

REPORT_FILE = "report.html"


@dataclass(frozen=True)
class Blob:
    """One embedded data block: its element id and its gzip+base64 text."""

    id: str
    text: str


def _finite(value: Any) -> Any:
    """NaN and infinities as their names: JSON has no such numbers, and the page shows them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def encode(data: Any) -> str:
    try:
        raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raw = json.dumps(_finite(data), separators=(",", ":"), ensure_ascii=False)
    # mtime=0 keeps the same run's report byte-identical.
    return base64.b64encode(gzip.compress(raw.encode("utf-8"), compresslevel=9, mtime=0)).decode(
        "ascii"
    )


def run_blobs(key: str, data: RunData) -> list[Blob]:
    blobs = [Blob(f"core-{key}", encode(data.core))]
    blobs += [
        Blob(f"prov-{key}-{number}", encode(detail))
        for number, detail in sorted(data.provenance.items())
    ]
    return blobs


def _asset(name: str) -> str:
    return resources.files("society.report").joinpath("assets", name).read_text(encoding="utf-8")


def _inline(name: str) -> Markup:
    text = _asset(name)
    # Inline CSS and script must not close their own element early.
    if "</style" in text.lower() or "</script" in text.lower():
        raise ValueError(f"asset {name} contains a closing style/script tag")
    return Markup(text)


def render_page(title: str, page: str, blobs: list[Blob]) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_asset("page.html.j2"))
    return template.render(
        title=title,
        page=page,
        css=_inline("report.css"),
        script=_inline("report.js"),
        blobs=blobs,
    )


def write_run_report(run_dir: Path, out: Path | None = None) -> Path:
    """Write the run's report (default: RUN_DIR/report.html) and return its path."""
    data = load_run(run_dir)
    target = out if out is not None else Path(run_dir) / REPORT_FILE
    html = render_page(f"society · {data.core['run']['id']}", "run", run_blobs("0", data))
    target.write_text(html, encoding="utf-8")
    return target
