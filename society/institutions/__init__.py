"""Institutions that join a game's round: each module is one institution and exposes
`INSTITUTION` (see `society.core.institution`). A module added here is found by its name;
third-party packages register through the `society.institutions` entry-point group."""
