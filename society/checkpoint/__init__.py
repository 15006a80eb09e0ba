"""Checkpoints of a run: LangGraph's saver in the run folder, the round log, the run lock,
and cutting a transcript back to its last completed round. Used by `society.coordinator` to
checkpoint every round and to resume a run (`society resume`)."""
