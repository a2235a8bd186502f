#!/usr/bin/env bash
# The reduced runs scripts/compare_runs.py compares: every experiment kind and reader once, small and quick.
# usage: scripts/compare_runs.sh PYTHON_ENV OUT — run with one checkout's virtualenv, outputs under OUT/<run>;
# then: python scripts/compare_runs.py OUT_BEFORE OUT_AFTER
set -u
. "$1/bin/activate"; OUT=$2; mkdir -p "$OUT"
export HARNESS_CACHE_DIR=$OUT/cache
FX="$(cd "$(dirname "$0")/.." && pwd)/tests/data/fixtures"
run() { name=$1; shift; python -m harness "$@" hydra.run.dir=$OUT/$name n_jobs=1 > $OUT/$name.log 2>&1; echo "$name rc=$?"; }
run describe +experiment=describe
run size_sweep +experiment=size_sweep seed=[0,1] sizes=[10,100] surrogate=[ebm_fast,linear,tree]
run interpret +experiment=interpret pairs=[zh-en,en-ja] surrogate=[ebm_fast,tree,linear] method=[fanova]
run hpo_order +experiment=hpo_order seed=[0] sizes=[20,100] surrogate=[linear,tree] methods=[random,gb]
run stability +experiment=stability seed=[0,1] sizes=[20,50] surrogate=[linear,tree] methods=[random]
run transfer +experiment=transfer pairs=[zh-en,ru-en,ja-en] seed=[0] surrogate=[linear,tree]
run tradeoff +experiment=tradeoff pairs=[zh-en] surrogate=[linear]
run fidelity +experiment=fidelity n_tables=4 surrogate=[linear,tree] method=[fanova,mdi]
run smac +experiment=interpret data=smac data.path=$FX/smac_mlp surrogate=[ebm_fast] method=[fanova]
run raytune +experiment=interpret data=raytune data.path=$FX/raytune_sgd data.metric=accuracy data.mode=max surrogate=[linear,tree]
run llm +experiment=interpret_llm surrogate=[linear]
