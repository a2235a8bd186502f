"""One reader per source kind: a table file, an Optuna study, a SMAC3 or Ray Tune run folder, the NMT and NMTLC
upstream files. Each turns its options into a :class:`~harness.data.dataset.Dataset`."""
