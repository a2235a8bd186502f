"""data=nmtlc: the learning-curve pickle, loaded without ever running code from it."""
from __future__ import annotations

import collections
import pickle

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from harness.paths import config_root
from harness.data import load_dataset
from harness.data.readers.nmt import SCALES, schema_for
from harness.data.readers.nmtlc import safe_load
from harness.errors import ConfigError, DataError

CALLS = []


def _side_effect(tag):
    CALLS.append(tag)
    return tag


class _Payload:
    def __reduce__(self):
        return _side_effect, ("ran",)


def load(**opts):
    return load_dataset({"kind": "nmtlc", **opts})


@pytest.mark.parametrize("obj, refused", [
    (collections.OrderedDict(a=1), r"collections\.OrderedDict"),
    ([1, {"x": _Payload()}], r"test_nmtlc\._side_effect"),
    (_side_effect, r"test_nmtlc\._side_effect"),
])
def test_safe_unpickler_refuses_every_global(tmp_path, obj, refused):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(obj))
    with pytest.raises(DataError, match=rf"evil\.pkl: refusing to load .*{refused}; this file must hold builtin types only$"):
        safe_load(path)
    assert CALLS == []


def test_safe_unpickler_reads_builtins_and_rejects_garbage(tmp_path):
    path = tmp_path / "ok.pkl"
    data = [{"a": (1, 2.5, "x", None, True), "b": [b"y", {1, 2}]}]
    path.write_bytes(pickle.dumps(data))
    assert safe_load(path) == data
    path.write_bytes(b"not a pickle")
    with pytest.raises(DataError, match=r"ok\.pkl: not a valid pickle \(UnpicklingError: "):
        safe_load(path)


def test_malformed_record_is_named(tmp_path):
    hyper = dict(dataset_size=1, initial_lr=1e-4, model_size=1024, ff_num_hidden=4096, num_layers=24, batch_size=16, bpe=9)
    record = dict(task="finetune", src="fr", trg="en", basemodel="xglm", hyperparams=hyper, bleu_curve=[1.0], perplexity_curve=[2.0])
    (tmp_path / "nmtlc.pkl").write_bytes(pickle.dumps([record]))
    with pytest.raises(DataError, match=r"nmtlc\.pkl, record 0, hyperparams\.r: expected a number, got None$"):
        load(task="finetune", pair="fr-en", root=str(tmp_path), verify=False)


@pytest.mark.parametrize("pair, rows", [("fr-en", 162), ("zh-en", 159)])
def test_finetune_tables(pair, rows):
    ds = load(task="finetune", pair=pair)
    assert ds.name == f"nmtlc-finetune-{pair}" and len(ds) == rows
    assert ds.y.name == "bleu" and ds.maximize and np.isfinite(ds.y).all() and ds.y.max() > 10
    assert {f.name: f.scale for f in ds.schema} == {
        "llm": "categorical", "size": "log", "rank": "log", "batch": "log", "lr": "log"
    }
    assert ds.schema["llm"].levels == ("bloomz", "xglm")
    sizes = {llm: sorted(g.unique()) for llm, g in ds.X.groupby("llm")["size"]}
    assert sizes == {"bloomz": [0.56, 1.7, 3.0], "xglm": [0.56, 1.7, 2.9]}  # the published checkpoint sizes
    assert ds.X[["rank", "batch"]].dtypes.eq(np.int64).all()
    assert list(ds.extras.columns) == ["layers", "d_model", "ffn", "checkpoints", "ppl"]
    assert not ds.schema.outside_mask(ds.X).to_numpy().any()
    ppl = load(task="finetune", pair=pair, target="ppl")
    assert ppl.y.name == "ppl" and not ppl.maximize and ppl.fingerprint != ds.fingerprint
    np.testing.assert_allclose(ppl.y, ds.extras["ppl"])


def test_scratch_tables_share_the_nmt_schema():
    rows = {p: len(load(task="scratch", pair=p)) for p in ("en-ja", "ja-en", "ru-en", "so-en", "sw-en", "zh-en")}
    assert rows == {"en-ja": 179, "ja-en": 177, "ru-en": 193, "so-en": 646, "sw-en": 819, "zh-en": 148}
    assert sum(rows.values()) + 162 + 159 == 2483
    ds = load(task="scratch", pair="sw-en")
    assert ds.y.name == "ppl" and not ds.maximize and ds.name == "nmtlc-scratch-sw-en"
    assert ds.schema.names == ["bpe", "layers", "embed", "hidden", "lr"]  # no attention heads in the pickle
    assert {f.name: f.scale for f in ds.schema} == {f: SCALES[f] for f in ds.schema.names}
    assert ds.schema["bpe"].levels == schema_for("sw-en")["bpe"].levels
    assert not ds.schema.outside_mask(ds.X).to_numpy().any()


@pytest.mark.parametrize("opts, message", [
    ({"task": "pretrain", "pair": "fr-en"}, r"data\.task='pretrain': expected finetune or scratch$"),
    ({"task": "finetune", "pair": "de-en"}, r"data\.pair='de-en' is not in the nmtlc finetune table; known pairs: fr-en, zh-en$"),
    ({"task": "scratch", "pair": "fr-en"},
     r"data\.pair='fr-en' is not in the nmtlc scratch table; known pairs: en-ja, ja-en, ru-en, so-en, sw-en, zh-en$"),
    ({"task": "scratch", "pair": "sw-en", "target": "bleu"}, r"scratch systems record no BLEU curve; use data\.target=ppl$"),
    ({"task": "finetune", "pair": "fr-en", "target": "chrf"}, r"data\.target='chrf' is unknown for data=nmtlc; known targets: bleu, ppl$"),
])
def test_config_errors(opts, message):
    with pytest.raises(ConfigError, match=message):
        load(**opts)


def test_composes_with_primary_config():
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        cfg = compose("config", overrides=["data=nmtlc", "data.pair=zh-en"])
    ds = load_dataset(cfg.data)
    assert ds.name == "nmtlc-finetune-zh-en" and len(ds) == 159
