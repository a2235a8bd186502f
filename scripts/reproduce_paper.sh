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
  rm -rf results/reference
  mkdir -p results/reference
  # the small outputs only: tables, reports, figures, EBM exports, provenance
  (cd "${out}" && find . -type f \( -name '*.csv' -o -name '*.md' -o -name '*.html' -o -name '*.png' -o -name '*.json' \) \
      ! -path './.hydra/*' -print0 | xargs -0 -I{} cp --parents {} "${OLDPWD}/results/reference/")
  cp -r "${out}/.hydra" results/reference/hydra
  du -sh results/reference
fi
