"""Shared fixtures. Tests run offline: any connection to a non-loopback address fails loudly."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from society.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise OSError(f"tests run offline: blocked connection to {host}")
        except ValueError:
            if host != "localhost":
                raise OSError(f"tests run offline: blocked connection to {host}") from None
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def offline() -> Iterator[None]:
    socket.socket.connect = _loopback_only  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


# Every institution switched on (as `institutions:` overrides).
EVERY_INSTITUTION: dict[str, Any] = {
    "monitoring": {"enabled": True},
    "gossip": {"enabled": True},
    "sanctions": {"enabled": True},
    "voting": {"enabled": True},
    "social_learning": {"enabled": True},
}


def scenario(relative: str, **overrides: Any) -> Scenario:
    """A shipped scenario with overrides applied (top-level keys)."""
    return load_scenario(SCENARIOS / relative, overrides)


@pytest.fixture
def rich_altruistic() -> Scenario:
    return scenario("paper/rich-altruistic.yaml", rounds=3)
