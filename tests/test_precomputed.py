"""The shipped default sweeps equal a fresh training run, and the server loads them into the shared cache."""

from __future__ import annotations

import numpy as np
import pytest

from dlviz import defaults, precomputed
from dlviz.training import train_sweep


@pytest.fixture(scope="module")
def dataset():
    return defaults.default_dataset()


def test_shipped_results_match_the_current_data(dataset):
    shipped = precomputed.load(dataset)
    expected = {(dataset.fingerprint, tuple(specs)) for specs in defaults.default_sweeps(dataset).values()}
    assert set(shipped) == expected, "regenerate with: python -m dlviz.precomputed"


def test_shipped_results_equal_a_fresh_training_run(dataset):
    shipped = precomputed.load(dataset)
    for key, stored in shipped.items():
        fresh = train_sweep(dataset, list(key[1]))
        for a, b in zip(stored, fresh):
            assert a.spec == b.spec and a.diverged_at == b.diverged_at and a.epochs_run == b.epochs_run
            for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
                np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-5, atol=1e-6, err_msg=name)
            np.testing.assert_allclose(a.update_loss, b.update_loss, rtol=1e-5, atol=1e-6)
            for wa, wb in zip(a.weights, b.weights):
                np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-5)


def test_round_trip_is_exact(dataset, tmp_path):
    from dlviz.runs import RunSpec
    run = train_sweep(dataset, [RunSpec(dataset.fingerprint, epochs=2, learning_rate=5.0)])[0]
    back = precomputed.history_from_dict(precomputed.history_to_dict(run))
    assert back.loss == run.loss and back.diverged_at == run.diverged_at
    np.testing.assert_array_equal(back.update_loss, run.update_loss)


def test_other_data_loads_nothing():
    other = defaults.load_builtin("practice", max_rows=1000)
    assert precomputed.load(other) == {}
