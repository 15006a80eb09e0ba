"""Shared base of scenario sections and the rule-error helper (they live in
`society.core.settings`, importable without this package: institution modules define their
sections on them while `society.scenario.institutions` composes the `institutions:` schema)."""

from society.core.settings import Stable, Strict, rule_error

__all__ = ["Stable", "Strict", "rule_error"]
