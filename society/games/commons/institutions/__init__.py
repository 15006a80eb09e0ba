"""The commons' own institutions, one module each (monitoring, gossip and the respond turn,
sanctions, the town hall, voting, social learning), registered like any third-party
institution: one line each under `[project.entry-points."society.institutions"]` in
`pyproject.toml`. Light at import (see `society.core.institution`)."""
