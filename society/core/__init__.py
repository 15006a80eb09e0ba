"""Game-agnostic building blocks shared by every game: pairing schedules, generations."""
