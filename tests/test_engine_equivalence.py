"""The fast sweep engine gives the curves the lesson's plain `model.fit` gives, from the same start.

Every comparison here is against `train_plain(..., same_batch_order=True)`: the lesson's own Keras code, fed the
engine's seeded batch order so that the two runs see exactly the same batches. Speed is measured in `bench/`, never
here.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dlviz.data import load_builtin
from dlviz.engine.model import initial_weights
from tests.support.reference import train_plain, trained_model
from dlviz.engine.runtime import keras
from dlviz.engine.sweep import FIRST_EPOCH_CHUNKS, epoch_orders, train_sweep
from dlviz.runs import DIVERGENCE_FACTOR, RunSpec, TrainingError, sweep_seeds, updates_per_epoch

EPOCHS = 4
TOLERANCE = 1e-3  # absolute or relative, whichever is larger
STABLE_LEARNING_RATES = [1e-3, 1e-2, 1e-1]
ODD_BATCH_SIZE = 50  # does not divide the 512 training rows: the last batch of each epoch is short
DIVERGING_LEARNING_RATE = 5.0
OTHER_SEED = 7  # a seeded member other than the default seed 42 ("seed 1 of every sweep")
METRICS = ("loss", "val_loss", "accuracy", "val_accuracy")


@pytest.fixture(scope="module")
def data():
    """800 practice rows: 512 train, 128 validation, 160 test."""
    return load_builtin("practice", max_rows=800)


@pytest.fixture(scope="module")
def base(data):
    return RunSpec(data.fingerprint, epochs=EPOCHS, batch_size=32, learning_rate=1e-2)


@pytest.fixture(scope="module")
def sweep(data, base):
    """One sweep holding every case: three stable learning rates, a diverging one, an odd batch size, and two of the
    rates again at another seed (stacked with the first seed's lanes)."""
    specs = [base.replace(learning_rate=rate) for rate in STABLE_LEARNING_RATES]
    specs.append(base.replace(learning_rate=DIVERGING_LEARNING_RATE))
    specs.append(base.replace(batch_size=ODD_BATCH_SIZE))
    specs += [base.replace(learning_rate=rate, seed=OTHER_SEED) for rate in STABLE_LEARNING_RATES[1:]]
    return dict(zip(specs, train_sweep(data, specs)))


def _difference(a: float, b: float) -> float:
    """|a - b| measured against max(1, |a|, |b|): below TOLERANCE means within TOLERANCE absolute or relative."""
    return abs(a - b) / max(1.0, abs(a), abs(b))


def _bce(weights, x, y) -> float:
    """The lesson's loss for `weights` on (x, y), in float64 NumPy: an independent reference."""
    kernel1, bias1, kernel2, bias2 = (np.asarray(w, np.float64) for w in weights)
    logits = (np.maximum(x @ kernel1 + bias1, 0.0) @ kernel2 + bias2)[:, 0]
    return float(np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))


def _specs(sweep, **fields):
    return [spec for spec in sweep if all(getattr(spec, k) == v for k, v in fields.items())]


def _assert_curves_match(engine, plain, where: str) -> None:
    """Every per-epoch metric of the engine within TOLERANCE of plain `model.fit`'s, for all EPOCHS epochs."""
    for metric in METRICS:
        ours, theirs = getattr(engine, metric), getattr(plain, metric)
        assert len(ours) == len(theirs) == EPOCHS, metric
        worst = max(_difference(a, b) for a, b in zip(ours, theirs))
        assert worst <= TOLERANCE, f"{metric} at {where}: engine {ours} vs plain {theirs}"


@pytest.mark.parametrize("learning_rate", STABLE_LEARNING_RATES)
def test_learning_rate_curves_match_plain_fit(data, base, sweep, learning_rate):
    spec = base.replace(learning_rate=learning_rate)
    engine, plain = sweep[spec], train_plain(data, spec, same_batch_order=True)
    assert not engine.diverged
    _assert_curves_match(engine, plain, f"lr={learning_rate}")


@pytest.mark.parametrize("learning_rate", STABLE_LEARNING_RATES[1:])
def test_a_member_of_another_seed_matches_plain_fit_of_that_seed(data, base, sweep, learning_rate):
    spec = base.replace(learning_rate=learning_rate, seed=OTHER_SEED)
    engine, plain = sweep[spec], train_plain(data, spec, same_batch_order=True)
    assert not engine.diverged
    assert engine.loss != sweep[spec.replace(seed=base.seed)].loss  # another start and batch order
    _assert_curves_match(engine, plain, f"lr={learning_rate}, seed {OTHER_SEED}")


def test_batch_size_that_does_not_divide_the_data_matches_plain_fit(data, base, sweep):
    spec = base.replace(batch_size=ODD_BATCH_SIZE)
    assert len(data.y_train) % ODD_BATCH_SIZE != 0
    engine, plain = sweep[spec], train_plain(data, spec, same_batch_order=True)
    assert engine.updates_per_epoch == plain.updates_per_epoch == -(-len(data.y_train) // ODD_BATCH_SIZE)
    _assert_curves_match(engine, plain, f"batch {ODD_BATCH_SIZE}")


def test_diverging_learning_rate_is_recorded_to_the_end_as_keras_reports_it(data, base, sweep):
    spec = base.replace(learning_rate=DIVERGING_LEARNING_RATE)
    engine = sweep[spec]
    assert engine.diverged and engine.nan_at is None and engine.complete
    assert engine.epochs_run == EPOCHS  # the run keeps training after it blew up, as model.fit does
    assert len(engine.update_loss) == EPOCHS * engine.updates_per_epoch
    plain = train_plain(data, spec, same_batch_order=True)
    start = _bce(initial_weights(data.n_features, spec.hidden_units, spec.seed), data.x_train, data.y_train)
    assert engine.initial_loss == pytest.approx(start, rel=1e-4)
    epoch = engine.diverged_at
    assert engine.loss[epoch - 1] > DIVERGENCE_FACTOR * start
    assert all(loss <= DIVERGENCE_FACTOR * start for loss in engine.loss[:epoch - 1])
    plain_loss = plain.loss[epoch - 1]
    assert not np.isfinite(plain_loss) or plain_loss > DIVERGENCE_FACTOR * start, (
        f"engine diverged in epoch {epoch}; the plain fit's loss that epoch was {plain_loss}")
    # The engine runs Keras' ops, so even after the blow-up its curves are the ones model.fit reports.
    _assert_curves_match(engine, plain, f"lr={DIVERGING_LEARNING_RATE}")
    assert 0.0 <= engine.final_positive_share <= 1.0


def test_a_nan_loss_ends_the_recording(data, base):
    # Features near float32's largest value overflow the first layer: the loss is NaN from the first batch on.
    overflowing = np.clip(data.x_train.astype(np.float64) * 1e38, -3e38, 3e38).astype(np.float32)
    huge = dataclasses.replace(data, x_train=overflowing)
    blown, = train_sweep(huge, [base.replace(epochs=3)])
    assert blown.nan_at == blown.diverged_at == 1 and blown.complete
    assert blown.epochs_run == 1 and not np.isfinite(blown.loss[0])


def test_dataset_baselines_are_copied_when_the_dataset_has_them(data, base):
    class WithBaselines:
        prior_loss, majority_share_val = 0.61, 0.72

        def __getattr__(self, name):
            return getattr(data, name)

    plain_data, = train_sweep(data, [base.replace(epochs=1)])
    assert (plain_data.prior_loss, plain_data.majority_val_accuracy) == pytest.approx(
        (data.prior_loss, data.majority_share_val))
    history, = train_sweep(WithBaselines(), [base.replace(epochs=1)])
    assert (history.prior_loss, history.majority_val_accuracy) == (0.61, 0.72)
    assert history.loss == plain_data.loss


def test_trained_model_is_an_ordinary_keras_model(data, sweep):
    for spec, history in sweep.items():
        model = trained_model(history)
        assert isinstance(model, keras.Model)
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        assert len(dense) == len(model.layers) == 2
        assert dense[0].units == spec.hidden_units == 64
        assert dense[0].activation is keras.activations.relu
        assert dense[1].units == 1
        assert dense[1].activation is keras.activations.sigmoid
        assert model.input_shape == (None, data.n_features)
        for got, want in zip(model.get_weights(), history.weights):
            np.testing.assert_array_equal(got, want)
        probabilities = model.predict(data.x_val, verbose=0)[:, 0]
        accuracy = float(np.mean((probabilities > 0.5) == (data.y_val > 0.5)))
        assert accuracy == pytest.approx(history.val_accuracy[-1], abs=TOLERANCE)


def test_update_losses_add_up_to_epoch_losses(data, sweep):
    n_train = len(data.y_train)
    for spec, history in sweep.items():
        per_epoch = updates_per_epoch(n_train, spec.batch_size)
        assert history.updates_per_epoch == per_epoch
        assert len(history.update_loss) == history.epochs_run * per_epoch
        assert history.total_updates == len(history.update_loss)
        assert len(history.update_loss) == spec.epochs * per_epoch
        sizes = np.diff(np.minimum(np.arange(per_epoch + 1) * spec.batch_size, n_train)).astype(np.float64)
        assert sizes.sum() == n_train
        for epoch, losses in enumerate(np.asarray(history.update_loss, np.float64).reshape(-1, per_epoch)):
            weighted = float((losses * sizes).sum() / sizes.sum())
            assert weighted == pytest.approx(history.loss[epoch], rel=1e-5, abs=1e-6)
        positives = float(np.mean(trained_model(history).predict(data.x_val, verbose=0)[:, 0] > 0.5))
        assert history.final_positive_share == pytest.approx(positives, abs=1.5 / len(data.y_val))


def test_same_specs_give_bitwise_identical_histories(data, base):
    specs = [base.replace(learning_rate=1e-2), base.replace(learning_rate=1.0),
             base.replace(batch_size=ODD_BATCH_SIZE, epochs=2)]
    first, second = train_sweep(data, specs), train_sweep(data, specs)
    for a, b in zip(first, second):
        assert a.spec == b.spec
        assert (a.updates_per_epoch, a.diverged_at) == (b.updates_per_epoch, b.diverged_at)
        for name in ("loss", "accuracy", "val_loss", "val_accuracy", "initial_loss", "initial_val_loss"):
            # Compare the bytes, so that NaN equals NaN and -0.0 differs from 0.0: bitwise identity.
            assert (np.asarray(getattr(a, name), np.float64).tobytes()
                    == np.asarray(getattr(b, name), np.float64).tobytes()), name
        assert a.update_loss.dtype == b.update_loss.dtype
        assert a.update_loss.tobytes() == b.update_loss.tobytes()
        assert len(a.weights) == len(b.weights) == 4
        for wa, wb in zip(a.weights, b.weights):
            assert wa.tobytes() == wb.tobytes()


def test_every_run_starts_from_the_seeded_initial_weights(data, base):
    start = initial_weights(data.n_features, base.hidden_units, base.seed)
    tiny, other = train_sweep(data, [base.replace(learning_rate=1e-7), base.replace(learning_rate=0.3)])
    # Adam moves a weight by about the learning rate per update, so 1e-7 x 64 updates stays within 1e-5.
    for trained, initial in zip(tiny.weights, start):
        assert trained.shape == initial.shape
        np.testing.assert_allclose(trained, initial, rtol=0, atol=1e-5)
    # The first update's loss is taken before any update: the same for every learning rate of a sweep, and equal to
    # the initial weights' loss on the first seeded batch.
    assert tiny.update_loss[0] == other.update_loss[0]
    first_batch = epoch_orders(len(data.y_train), base.seed, base.epochs)[0][:base.batch_size]
    expected = _bce(start, data.x_train[first_batch], data.y_train[first_batch])
    assert float(tiny.update_loss[0]) == pytest.approx(expected, rel=1e-5)
    assert tiny.initial_loss == pytest.approx(_bce(start, data.x_train, data.y_train), rel=1e-5)
    # And a run trained alone starts from the same point as the same run trained inside a sweep.
    alone = train_sweep(data, [base.replace(learning_rate=0.3)])[0]
    assert alone.update_loss[0] == other.update_loss[0]


def test_long_run_at_a_high_learning_rate_matches_plain_fit(data, base):
    """Hundreds of updates at lr 0.1 turn any last-bit difference in the arithmetic into visibly different curves,
    so only an engine that does Keras' arithmetic op for op passes this."""
    spec = base.replace(learning_rate=0.1, epochs=30)
    engine = train_sweep(data, [spec])[0]
    plain = train_plain(data, spec, same_batch_order=True)
    assert not engine.diverged
    for metric in METRICS:
        ours, theirs = getattr(engine, metric), getattr(plain, metric)
        worst = max(_difference(a, b) for a, b in zip(ours, theirs))
        assert worst <= TOLERANCE, f"{metric}: largest difference {worst:.2e}"


def _assert_bitwise_equal(a, b, where: str) -> None:
    for name in ("loss", "accuracy", "val_loss", "val_accuracy", "initial_loss", "initial_val_loss",
                 "final_positive_share"):
        assert (np.asarray(getattr(a, name), np.float64).tobytes()
                == np.asarray(getattr(b, name), np.float64).tobytes()), f"{name} ({where})"
    assert a.update_loss.tobytes() == b.update_loss.tobytes(), where
    assert (a.diverged_at, a.nan_at) == (b.diverged_at, b.nan_at), where
    for wa, wb in zip(a.weights, b.weights, strict=True):
        assert wa.tobytes() == wb.tobytes(), where


def test_a_members_curves_do_not_depend_on_its_stack(data, base, sweep):
    """Trained alone, or among other rates and seeds (the module's sweep stacks eight lanes of batch 32): to the
    bit the same (same machine)."""
    for spec in (base.replace(learning_rate=1e-2, seed=OTHER_SEED),
                 base.replace(learning_rate=DIVERGING_LEARNING_RATE)):
        alone, = train_sweep(data, [spec])
        _assert_bitwise_equal(alone, sweep[spec], f"{spec.learning_rate}, seed {spec.seed}")
    pair = train_sweep(data, [base.replace(learning_rate=0.3, seed=3), base.replace(learning_rate=1e-1)])
    _assert_bitwise_equal(pair[1], sweep[base.replace(learning_rate=1e-1)], "in a stack of two")


def test_recording_the_weight_path_changes_no_curve(data, base, sweep):
    specs = [base.replace(learning_rate=1e-2), base.replace(learning_rate=1e-1, seed=OTHER_SEED)]
    recorded = train_sweep(data, specs, record_path=True)
    per_epoch = updates_per_epoch(len(data.y_train), base.batch_size)  # 16: the first epoch is cut into 9 chunks
    n_params = data.n_features * 64 + 64 + 64 + 1
    for spec, history in zip(specs, recorded):
        _assert_bitwise_equal(history, sweep[spec], "with record_path")
        points = 1 + FIRST_EPOCH_CHUNKS + (EPOCHS - 1)
        assert history.trajectory.shape == (points, n_params) and history.trajectory.dtype == np.float32
        assert history.trajectory_updates.dtype == np.int64
        updates = history.trajectory_updates.tolist()
        assert updates[0] == 0 and updates[FIRST_EPOCH_CHUNKS:] == [e * per_epoch for e in range(1, EPOCHS + 1)]
        assert all(0 < u < per_epoch for u in updates[1:FIRST_EPOCH_CHUNKS]) and updates == sorted(set(updates))
        start = initial_weights(data.n_features, spec.hidden_units, spec.seed)
        np.testing.assert_array_equal(history.trajectory[0], np.concatenate([w.ravel() for w in start]))
        np.testing.assert_array_equal(history.trajectory[-1], np.concatenate([w.ravel() for w in history.weights]))
    assert sweep[specs[0]].trajectory.size == 0 and sweep[specs[0]].trajectory_updates.size == 0  # off by default


def test_sweep_seeds_start_at_the_base_seed():
    assert sweep_seeds(42, 1) == [42]
    seeds = sweep_seeds(42, 5)
    assert seeds[0] == 42 and len(set(seeds)) == 5
    with pytest.raises(TrainingError, match="seeds"):
        sweep_seeds(42, 0)
    with pytest.raises(TrainingError, match="seed"):
        RunSpec("x", seed=-1).validate()
