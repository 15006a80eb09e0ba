"""The game-agnostic core: phases, games, the round graph built from a phase list, registries.

Nothing here imports a game; games (`society.games.*` and third-party packages) register
themselves (see `society.core.registry`)."""
