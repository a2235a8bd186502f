#!/usr/bin/env bash
# Reproduce the paper: every experiment with the paper's settings and all surrogates, then one report.
#
#   scripts/reproduce_paper.sh               # default EBM (14 outer bags)
#   scripts/reproduce_paper.sh --fast        # the fast EBM preset
#   scripts/reproduce_paper.sh --reference   # ... and refresh the committed results/reference/
#
# Extra arguments after the flags are passed to the harness as Hydra overrides.
set -euo pipefail
cd "$(dirname "$0")/.."

experiment=reproduce
reference=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fast) experiment=reproduce_fast; shift ;;
    --reference) reference=true; shift ;;
    *) break ;;
  esac
done

out="results/runs/${experiment}/$(date +%Y-%m-%d_%H-%M-%S)"
python -m harness "+experiment=${experiment}" "hydra.run.dir=${out}" "$@"
echo "report: ${out}/REPORT.md (and REPORT.html)"

if [[ "${reference}" == true ]]; then
  python scripts/publish_reference.py "${out}" results/reference
  du -sh results/reference
fi
