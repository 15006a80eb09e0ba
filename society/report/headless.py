"""Open a report in the system's headless Chromium (Debian's `chromium` package) through
Playwright, for the tests and the load-time benchmark. Nothing is downloaded: Playwright's own
browsers are never used."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

# As root on a closed network Chromium needs no sandbox, and without the networking switches
# it waits on background requests that never answer.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    for path in CHROMIUM_PATHS:
        if Path(path).is_file():
            return path
    return shutil.which("chromium")


@contextmanager
def headless_page(viewport: tuple[int, int] = (1400, 900)) -> Iterator[Any]:
    """A Playwright page in a fresh Chromium profile; page errors are collected on
    `page.society_errors` so a test can assert the report ran cleanly."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError("Chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="society-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            args=list(CHROMIUM_FLAGS),
            headless=True,
            # The page's own CSP forbids eval, which Playwright's waits use; lifting it also
            # means a test of escaping is not rescued by the CSP.
            bypass_csp=True,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.society_errors = errors
            yield page
        finally:
            context.close()
