"""The games shipped with society: each subpackage is one game and exposes `GAME`.

Third-party packages add games through the `society.games` entry-point group (see
docs/extending.md)."""
