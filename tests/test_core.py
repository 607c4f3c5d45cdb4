"""Unit tests for data preparation, the model and the training engine's contracts."""

from __future__ import annotations


import numpy as np
import pytest

from dlviz import data, settings
from dlviz.engine import model
from dlviz.engine.sweep import train_sweep
from dlviz.runs import RunSpec, TrainingError
from tests.support import load_csv, reference


def test_no_two_controls_share_a_url_key():
    """A shared key would carry one page's value into another page's control."""
    keys = [s.key for s in settings.every_setting()]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})


# --- data -------------------------------------------------------------------------------------------------------

def test_practice_dataset_is_deterministic_and_lesson_shaped():
    a, b = data.practice_frame(), data.practice_frame()
    assert a.equals(b)
    assert a.shape == (10_000, 21) and set(a["target"].unique()) == {0, 1}


def test_split_follows_the_lesson():
    ds = data.load_builtin(data.PRACTICE)
    # train_test_split(test_size=0.2) -> 8,000 / 2,000; validation_split=0.2 -> last 1,600 of the 8,000.
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (6_400, 1_600, 2_000)
    assert ds.x_train.dtype == np.float32 and ds.n_features == 20
    # standardised on the training rows only
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1, atol=1e-4)
    assert abs(float(ds.x_val.mean())) > 1e-6
    assert not ds.x_train.flags.writeable


def test_validation_rows_are_the_last_20_percent_of_the_training_split():
    from sklearn.model_selection import train_test_split
    frame = data.practice_frame(1_000)
    ds = data.prepare(frame, "target", standardize=False)
    x = frame.drop(columns="target").to_numpy(np.float64)
    x_train, _, _, _ = train_test_split(x, frame["target"].to_numpy(), test_size=0.2, random_state=42)
    np.testing.assert_allclose(ds.x_val, x_train[-160:].astype(np.float32))
    np.testing.assert_allclose(ds.x_train, x_train[:-160].astype(np.float32))


def test_fingerprint_changes_with_data_and_preprocessing():
    a = data.load_builtin(data.PRACTICE, max_rows=1000)
    assert a.fingerprint == data.load_builtin(data.PRACTICE, max_rows=1000).fingerprint
    assert a.fingerprint != data.load_builtin(data.PRACTICE, max_rows=2000).fingerprint
    assert a.fingerprint != data.load_builtin(data.PRACTICE, max_rows=1000, standardize=False).fingerprint


def test_breast_cancer_loads():
    ds = data.load_builtin(data.BREAST_CANCER)
    assert ds.n_rows == 569 and ds.n_features == 30
    assert "569 rows" in ds.description


def test_load_csv_accepts_path_bytes_and_file(tmp_path):
    frame = data.practice_frame(200)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    import io
    by_path = load_csv(path)
    by_bytes = load_csv(path.read_bytes())
    by_file = load_csv(io.BytesIO(path.read_bytes()))
    assert by_path.fingerprint == by_bytes.fingerprint == by_file.fingerprint
    assert by_path.n_features == 20


def test_load_csv_target_choice_and_errors():
    csv = b"a,b,label\n" + b"\n".join(b"%d,%d,%s" % (i, i * 7 % 5, b"yes" if i % 3 else b"no") for i in range(60))
    # Issue 16 item 1: a column named `label` is now the default target (it used to be refused).
    assert load_csv(csv).fingerprint == load_csv(csv, target="label").fingerprint
    ds = load_csv(csv, target="label")
    assert set(np.unique(ds.y_train)) <= {0.0, 1.0}
    with pytest.raises(data.DataError, match="two classes"):
        load_csv(b"a,target\n" + b"\n".join(b"%d,%d" % (i, i % 3) for i in range(60)))


# --- model ------------------------------------------------------------------------------------------------------

def test_model_is_the_lessons_architecture():
    m = reference.build_model(20)
    dense1, dense2 = m.layers
    assert dense1.units == 64 and dense1.activation.__name__ == "relu"
    assert dense2.units == 1 and dense2.activation.__name__ == "sigmoid"


def test_initial_weights_are_seeded():
    a, b, c = model.initial_weights(20, 64, 1), model.initial_weights(20, 64, 1), model.initial_weights(20, 64, 2)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    built = reference.build_model(20, 64, seed=1).get_weights()
    for x, y in zip(a, built):
        np.testing.assert_array_equal(x, y)


# --- training ---------------------------------------------------------------------------------------------------

def _specs(ds, **kw):
    base = RunSpec(ds.fingerprint, epochs=3, batch_size=32)
    return [base.replace(**kw, learning_rate=lr) for lr in (1e-3, 1e-2)]


def test_same_spec_same_history(tiny_dataset):
    a = train_sweep(tiny_dataset, _specs(tiny_dataset))
    b = train_sweep(tiny_dataset, _specs(tiny_dataset))
    for x, y in zip(a, b):
        assert x.loss == y.loss and x.val_loss == y.val_loss and x.val_accuracy == y.val_accuracy
        np.testing.assert_array_equal(x.update_loss, y.update_loss)


def test_every_value_starts_from_the_same_weights_and_batches(tiny_dataset):
    runs = train_sweep(tiny_dataset, _specs(tiny_dataset))
    # the first update's loss is computed before any step: identical start, identical first batch
    assert runs[0].update_loss[0] == runs[1].update_loss[0]
    assert runs[0].initial_loss == runs[1].initial_loss
    # ... and after that the learning rate makes them differ
    assert runs[0].loss[-1] != runs[1].loss[-1]


def test_stacked_sweep_equals_runs_one_by_one(tiny_dataset):
    specs = _specs(tiny_dataset)
    together = train_sweep(tiny_dataset, specs)
    alone = [train_sweep(tiny_dataset, [s])[0] for s in specs]
    for x, y in zip(together, alone):
        np.testing.assert_allclose(x.loss, y.loss, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(x.val_loss, y.val_loss, rtol=1e-5, atol=1e-6)


def test_seed_changes_the_curves(tiny_dataset):
    a = train_sweep(tiny_dataset, [RunSpec(tiny_dataset.fingerprint, epochs=2, seed=1)])[0]
    b = train_sweep(tiny_dataset, [RunSpec(tiny_dataset.fingerprint, epochs=2, seed=2)])[0]
    assert a.loss != b.loss


def test_updates_and_per_update_loss(tiny_dataset):
    n = len(tiny_dataset.y_train)
    runs = train_sweep(tiny_dataset,
                       [RunSpec(tiny_dataset.fingerprint, epochs=2, batch_size=b) for b in (8, 100, n * 2)])
    for run in runs:
        expected = -(-n // run.spec.batch_size)
        assert run.updates_per_epoch == expected
        assert len(run.update_loss) == 2 * expected
        assert len(run.loss) == 2 and len(run.val_accuracy) == 2


def test_divergence_is_a_result_not_an_error(tiny_dataset):
    runs = train_sweep(tiny_dataset, [RunSpec(tiny_dataset.fingerprint, epochs=5, learning_rate=lr)
                                      for lr in (0.01, 10.0)])
    assert not runs[0].diverged and runs[0].epochs_run == 5
    # As model.fit reports it: the run that blew up is recorded to its last epoch, its blow-up marked.
    assert runs[1].diverged and runs[1].diverged_at <= 5
    assert runs[1].epochs_run == 5 or runs[1].nan_at == runs[1].epochs_run
    assert runs[1].complete


def test_progress_reports_every_epoch(tiny_dataset):
    seen = []
    train_sweep(tiny_dataset, _specs(tiny_dataset), progress=lambda p: seen.append((p.done_updates, p.fraction)))
    assert len(seen) == 3  # the two learning rates train stacked: one report per epoch
    assert seen[-1][1] == 1.0 and [s[0] for s in seen] == sorted(s[0] for s in seen)


def test_absurd_settings_are_refused_with_a_message(tiny_dataset):
    for bad in (dict(epochs=0), dict(epochs=10_000), dict(batch_size=0), dict(learning_rate=-1.0),
                dict(learning_rate=float("nan")), dict(learning_rate=1e6), dict(hidden_units=0)):
        with pytest.raises(TrainingError):
            train_sweep(tiny_dataset, [RunSpec(tiny_dataset.fingerprint).replace(**bad)])
    with pytest.raises(TrainingError, match="different dataset"):
        train_sweep(tiny_dataset, [RunSpec("not-this-one")])


def test_trained_model_is_plain_keras(tiny_dataset):
    run = train_sweep(tiny_dataset, [RunSpec(tiny_dataset.fingerprint, epochs=2)])[0]
    from tests.support.reference import trained_model

    predictions = trained_model(run).predict(tiny_dataset.x_val, verbose=0)[:, 0]
    assert np.isclose(((predictions > 0.5) == tiny_dataset.y_val).mean(), run.val_accuracy[-1], atol=1e-6)


