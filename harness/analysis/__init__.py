"""Pure tables computed from tidy results: summaries, transfer matrices, stability, fidelity scores."""
