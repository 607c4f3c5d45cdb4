"""Diagnosis of histories: hand-made histories with known answers, Keras' own EarlyStopping as the reference for
`early_stopping`, and a few real (small) sweeps that must show what each page teaches."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from dlviz import diagnose as dg
from dlviz.data import load_builtin
from dlviz.diagnose import Finding, Findings, early_stopping
from dlviz.model import build_model, compile_lesson_model
from dlviz.runtime import keras
from dlviz.training import RunHistory, RunSpec, train_sweep


def make(loss, val_loss=None, *, lr=0.01, batch=32, epochs=None, accuracy=None, val_accuracy=None,
         update_loss=None, updates_per_epoch=0, initial_loss=float("nan"), diverged_at=None) -> RunHistory:
    loss = [float(x) for x in loss]
    val_loss = [float(x) for x in (val_loss if val_loss is not None else loss)]
    spec = RunSpec("x", epochs=epochs or max(len(loss), 1), batch_size=batch, learning_rate=lr)
    return RunHistory(spec=spec, loss=loss, val_loss=val_loss,
                      accuracy=[] if accuracy is None else [float(x) for x in accuracy],
                      val_accuracy=[] if val_accuracy is None else [float(x) for x in val_accuracy],
                      update_loss=np.asarray(update_loss if update_loss is not None else [], np.float32),
                      updates_per_epoch=updates_per_epoch, initial_loss=initial_loss, diverged_at=diverged_at)


def overfitting_curves(n=60, best=14):
    """Training loss falls all along; validation loss falls to 0.31 at `best`, then climbs to 0.38 at `n`."""
    epochs = np.arange(1, n + 1)
    train = 0.7 * np.exp(-epochs / 25) + 0.05
    val = np.where(epochs <= best, 0.31 + 0.3 * (best - epochs) / best,
                   0.31 + 0.07 * (epochs - best) / (n - best))
    return train, val


# ---------------------------------------------------------------------------------------------------------------
# Overfitting


def test_overfitting_detected_with_best_epoch_and_onset():
    train, val = overfitting_curves()
    accuracy = np.linspace(0.7, 0.95, 60)
    val_accuracy = np.full(60, 0.8)
    finding = dg.overfitting(make(train, val, accuracy=accuracy, val_accuracy=val_accuracy))
    assert finding.kind == dg.OVERFITTING
    data = finding.data
    assert data["overfitting"] is True
    assert data["best_epoch"] == 14
    assert data["best_val_loss"] == pytest.approx(0.31)
    assert data["end_val_loss"] == pytest.approx(0.38, abs=0.005)
    assert data["end_epoch"] == 60
    # The threshold is max(5% of 0.31, 0.01) = 0.0155; the curve climbs 0.07/46 per epoch, so epoch 25 is the first
    # epoch clearly above the best.
    assert data["onset_epoch"] == 14 + math.floor(0.0155 / (0.07 / 46)) + 1
    assert data["end_train_loss"] < data["train_loss_at_best"]
    assert data["accuracy_gap"] == pytest.approx(0.15)
    for number in ("14", "0.31", "0.38", "60"):
        assert number in finding.sentence
    assert "overfitting" in finding.sentence


@pytest.mark.parametrize("seed", range(20))
def test_noise_alone_is_not_overfitting(seed):
    rng = np.random.default_rng(seed)
    # Flat curves with 1% noise, and a falling training loss beside a flat, noisy validation loss.
    flat_train = 0.45 * (1 + 0.01 * rng.standard_normal(60))
    flat_val = 0.50 * (1 + 0.01 * rng.standard_normal(60))
    falling_train = np.linspace(0.6, 0.3, 60)
    assert dg.overfitting(make(flat_train, flat_val)).kind == dg.NO_OVERFITTING
    assert dg.overfitting(make(falling_train, flat_val)).kind == dg.NO_OVERFITTING


def test_rising_validation_with_rising_training_loss_is_not_overfitting():
    train = np.concatenate([np.linspace(0.7, 0.4, 10), np.linspace(0.4, 0.6, 10)])
    val = train + 0.05
    assert dg.overfitting(make(train, val)).kind == dg.NO_OVERFITTING


def test_still_improving_run_says_so():
    loss = np.linspace(0.7, 0.3, 10)
    finding = dg.overfitting(make(loss, loss + 0.05))
    assert finding.kind == dg.NO_OVERFITTING
    assert finding.data["best_epoch"] == 10
    assert "still falling" in finding.sentence and "0.35" in finding.sentence


def test_no_validation_loss_gives_no_finding():
    assert dg.overfitting(make([0.7, 0.6], [float("nan"), float("nan")])) is None
    assert dg.best_epoch(make([0.7], [])) is None


def test_accuracy_gap():
    history = make([0.6, 0.5], accuracy=[0.8, 0.93], val_accuracy=[0.75, 0.71])
    finding = dg.accuracy_gap(history)
    assert finding.data["gap"] == pytest.approx(0.22)
    assert "93%" in finding.sentence and "71%" in finding.sentence and "22 points" in finding.sentence
    assert dg.accuracy_gap(make([0.6])) is None


# ---------------------------------------------------------------------------------------------------------------
# Divergence and oscillation


def test_divergence_nan():
    finding = dg.divergence(make([0.7, 0.6, float("nan")], [0.7, 0.6, float("nan")], lr=1.0))
    assert (finding.kind, finding.value, finding.data["epoch"], finding.data["reason"]) == (dg.DIVERGED, 1.0, 3, "nan")
    assert "NaN" in finding.sentence and "epoch 3" in finding.sentence and "1.0" in finding.sentence


def test_divergence_inf():
    finding = dg.divergence(make([0.7, float("inf")], [0.7, 0.9]))
    assert (finding.data["epoch"], finding.data["reason"]) == (2, "inf")


def test_divergence_by_factor_uses_initial_loss_or_first_epoch():
    # No initial_loss: the first epoch's 0.69 is the reference; 2.5 > 3 x 0.69 = 2.07.
    finding = dg.divergence(make([0.69, 0.8, 2.5, 9.0]))
    assert (finding.data["epoch"], finding.data["reason"]) == (3, "exploded")
    assert finding.data["ratio"] == pytest.approx(2.5 / 0.69)
    assert "2.50" in finding.sentence and "0.69" in finding.sentence
    # With an initial loss, even the first epoch can be the one that exploded.
    assert dg.divergence(make([22.6], initial_loss=0.73)).data["epoch"] == 1
    # Below the factor: no divergence.
    assert dg.divergence(make([0.69, 0.8, 2.0, 0.7])) is None


def test_divergence_in_update_losses_and_recorded_epoch():
    history = make([0.65, 0.55], update_loss=[0.7, 0.6, 0.5, float("nan")], updates_per_epoch=2)
    assert dg.divergence(history).data["epoch"] == 2
    recorded = make([0.7, 0.6, 5.0], diverged_at=3, initial_loss=0.7)
    assert dg.divergence(recorded).data == pytest.approx(
        dict(epoch=3, reason="exploded", loss=5.0, start_loss=0.7, ratio=5.0 / 0.7))


def test_oscillation_in_validation_loss():
    train = np.linspace(0.6, 0.4, 12)
    val = [0.6, 0.45, 0.6, 0.45, 0.62, 0.44, 0.6, 0.45, 0.58, 0.44, 0.6, 0.45]
    finding = dg.oscillation(make(train, val, lr=0.3))
    assert finding.kind == dg.OSCILLATING and finding.value == 0.3
    assert finding.data["reversals"] == 10
    assert "10 changes of direction" in finding.sentence


def test_oscillation_in_training_loss():
    train = [0.7, 0.6, 0.65, 0.55, 0.6, 0.5, 0.56, 0.48, 0.52, 0.47]
    finding = dg.oscillation(make(train, np.linspace(0.7, 0.5, 10)))
    assert finding.data["train_rises"] == 4 and finding.data["steps"] == 9
    assert "4 of 9 epochs" in finding.sentence


def test_smooth_or_slightly_noisy_or_diverged_runs_do_not_oscillate():
    smooth = np.linspace(0.7, 0.3, 20)
    assert dg.oscillation(make(smooth, smooth + 0.1)) is None
    rng = np.random.default_rng(0)
    assert dg.oscillation(make(smooth, (smooth + 0.1) * (1 + 0.02 * rng.standard_normal(20)))) is None
    # One bump is not a swing.
    assert dg.oscillation(make(smooth, [0.6, 0.5, 0.45, 0.6, 0.44, 0.43, 0.42, 0.41])) is None
    assert dg.oscillation(make([0.7, 0.6, float("nan")], [0.6, 0.45, 0.6])) is None


# ---------------------------------------------------------------------------------------------------------------
# Speed (too slow / too high), noise, updates


def lr_sweep_histories():
    start = 0.69

    def curve(end, n=20):
        return start + (end - start) * (1 - np.exp(-np.arange(1, n + 1) / 5)) / (1 - np.exp(-n / 5))

    return [
        make(curve(0.65), curve(0.66) + 0.02, lr=1e-4, initial_loss=start),
        make(curve(0.35), curve(0.35) + 0.05, lr=1e-3, initial_loss=start),
        make(curve(0.30), curve(0.30) + 0.08, lr=1e-2, initial_loss=start),
        make(curve(0.50), curve(0.50) + 0.1, lr=0.1, initial_loss=start),
        make([0.9, 2.5, float("nan")], [0.9, 3.0, float("nan")], lr=1.0, initial_loss=start),
    ]


def test_too_slow_and_too_high_learning_rates():
    findings = dg.diagnose_learning_rates(lr_sweep_histories())
    slow = findings.of_kind(dg.TOO_SLOW)
    assert [f.value for f in slow] == [1e-4]
    assert slow[0].data["reference_value"] == 1e-2
    assert slow[0].data["progress"] == pytest.approx(0.04 / 0.39)
    assert "0.0001" in slow[0].sentence and "0.65" in slow[0].sentence and "0.30" in slow[0].sentence
    assert [f.value for f in findings.of_kind(dg.TOO_HIGH)] == [0.1]
    assert [f.value for f in findings.of_kind(dg.DIVERGED)] == [1.0]
    assert findings.get(dg.DIVERGED).data["epoch"] == 2  # 2.5 > 3 x 0.69
    assert findings.best_value == 1e-2  # lowest validation loss: 0.30 + 0.08 against 0.35 + 0.05 at 1e-3
    assert findings.verdicts == {
        1e-4: "lr 0.0001 — too slow",
        1e-3: "lr 0.001 — val loss 0.40 @ epoch 20",
        1e-2: "lr 0.01 — best val loss 0.38 @ epoch 20",
        0.1: "lr 0.1 — too high",
        1.0: "lr 1.0 — diverged at epoch 2",
    }
    summary = findings.items[0]
    assert summary.kind == dg.SUMMARY
    assert "1.0 diverged" in summary.sentence and "0.0001 learned too slowly" in summary.sentence


def test_update_noise_measures_scatter_around_the_trend():
    rng = np.random.default_rng(0)
    steps = np.arange(2000)
    trend = 0.7 * np.exp(-steps / 500) + 0.3
    history = make([0.5], update_loss=trend + 0.05 * rng.standard_normal(2000))
    assert dg.update_noise(history) == pytest.approx(0.05, rel=0.1)
    assert dg.update_noise(make([0.5], update_loss=trend)) == pytest.approx(0.0, abs=1e-4)
    assert math.isnan(dg.update_noise(make([0.5], update_loss=[0.5, 0.4, 0.3])))
    # Only the updates before a NaN count.
    with_nan = np.concatenate([trend[:500] + 0.05 * rng.standard_normal(500), [np.nan, 1e9]])
    assert dg.update_noise(make([0.5], update_loss=with_nan)) == pytest.approx(0.05, rel=0.15)


def batch_sweep_histories():
    rng = np.random.default_rng(1)
    histories = []
    for batch in (8, 32, 128, 512):
        per_epoch = -(-1280 // batch)
        steps = np.arange(10 * per_epoch)
        trend = 0.4 + 0.3 * np.exp(-steps / (3 * per_epoch))
        updates = trend + (0.6 / math.sqrt(batch)) * rng.standard_normal(len(steps))
        loss = updates.reshape(10, per_epoch).mean(axis=1)
        histories.append(make(loss, loss + 0.05 + batch / 1e4, batch=batch, update_loss=updates,
                              updates_per_epoch=per_epoch))
    return histories


def test_noise_and_updates_across_batch_sizes():
    findings = dg.diagnose_batch_sizes(batch_sweep_histories())
    noise = {f.value: f.data["noise"] for f in findings.of_kind(dg.NOISE)}
    assert list(noise) == [8, 32, 128, 512]
    assert noise[8] > noise[32] > noise[128] > noise[512]
    assert noise[8] == pytest.approx(0.6 / math.sqrt(8), rel=0.1)
    comparison = findings.get(dg.NOISE_COMPARISON)
    assert (comparison.data["noisiest"], comparison.data["smoothest"]) == (8, 512)
    assert "batch size 8" in comparison.sentence and "batch size 512" in comparison.sentence
    updates = {f.value: (f.data["updates_per_epoch"], f.data["total_updates"]) for f in findings.of_kind(dg.UPDATES)}
    assert updates == {8: (160, 1600), 32: (40, 400), 128: (10, 100), 512: (3, 30)}
    sentence = findings.get(dg.UPDATES_COMPARISON).sentence
    assert "160" in sentence and "1,600" in sentence and "3" in sentence and "30" in sentence
    assert findings.verdicts[8].startswith("batch 8 — noisiest")
    assert findings.verdicts[512].startswith("batch 512 — smoothest")
    assert findings.best_value == 8  # validation loss grows with the batch in these curves
    assert "best val loss" in findings.verdicts[8]


def test_update_counts_fall_back_to_per_epoch_times_epochs():
    assert dg.update_counts(make([0.5, 0.4, 0.3], updates_per_epoch=7)) == (7, 21)


# ---------------------------------------------------------------------------------------------------------------
# Verdicts and the Findings container


def test_verdict_labels_for_single_runs():
    assert dg.verdict(make([0.7, 0.6, float("nan")], lr=1.0), dg.LEARNING_RATE) == "lr 1.0 — diverged at epoch 3"
    train, val = overfitting_curves()
    assert dg.verdict(make(train, val)) == "overfits after epoch 14 (best val loss 0.31)"
    loss = np.linspace(0.7, 0.3, 10)
    assert dg.verdict(make(loss, loss, batch=64), dg.BATCH_SIZE) == "batch 64 — val loss 0.30 @ epoch 10"
    findings = dg.diagnose_learning_rates(lr_sweep_histories())
    assert dg.verdict(lr_sweep_histories()[0], dg.LEARNING_RATE, findings) == "lr 0.0001 — too slow"


def test_findings_helpers_and_pickling():
    findings = dg.diagnose_learning_rates(lr_sweep_histories())
    assert isinstance(findings, Findings) and len(findings) == len(list(findings))
    headlines = findings.sentences()
    assert headlines and all(isinstance(s, str) and s for s in headlines)
    assert len(findings.sentences(details=True)) > len(headlines)
    groups = findings.by_value()
    assert list(groups)[:5] == [1e-4, 1e-3, 1e-2, 0.1, 1.0]
    assert {f.kind for f in groups[1.0]} == {dg.DIVERGED}
    assert dg.TOO_SLOW in findings.kinds(1e-4)
    assert findings.has(dg.DIVERGED, 1.0) and not findings.has(dg.DIVERGED, 1e-2)
    assert findings.best.kind == dg.BEST_RUN and findings.best.value == findings.best_value
    assert findings.verdict(0.5) == ""
    copy = pickle.loads(pickle.dumps(findings))
    assert copy.sentences() == findings.sentences() and copy.verdicts == findings.verdicts
    assert Finding("x", None, "s").data == {}


def test_diagnose_epochs_collects_the_page_story():
    train, val = overfitting_curves()
    history = make(train, val, accuracy=np.linspace(0.7, 0.95, 60), val_accuracy=np.full(60, 0.8),
                   updates_per_epoch=40)
    findings = dg.diagnose_epochs(history, patience=5)
    assert [f.kind for f in findings if not f.detail] == [dg.OVERFITTING, dg.EARLY_STOPPING, dg.ACCURACY_GAP]
    stop = findings.get(dg.EARLY_STOPPING)
    assert (stop.data["stop_epoch"], stop.data["best_epoch"], stop.data["epochs_saved"]) == (19, 14, 41)
    assert "epoch 19" in stop.sentence and "epoch 14" in stop.sentence
    assert findings.get(dg.UPDATES).data == dict(updates_per_epoch=40, total_updates=2400, epochs=60)
    assert findings.verdict() == "overfits after epoch 14 (best val loss 0.31)"
    assert dg.diagnose(dg.EPOCHS, [history]).sentences() == findings.sentences()
    with pytest.raises(ValueError):
        dg.diagnose("nope", [history])


def test_diagnose_epochs_on_a_diverged_run():
    history = make([0.7, 0.6, 5.0, float("nan")], [0.7, 0.55, 4.0, float("nan")], initial_loss=0.7,
                   accuracy=[0.5, 0.6, 0.5, 0.5], val_accuracy=[0.5, 0.6, 0.5, 0.5])
    findings = dg.diagnose_epochs(history, patience=1)
    assert findings.items[0].kind == dg.DIVERGED and findings.items[0].data["epoch"] == 3
    assert not findings.has(dg.OVERFITTING) and not findings.has(dg.NO_OVERFITTING)
    assert findings.get(dg.EARLY_STOPPING).data["stop_epoch"] == 3
    assert findings.verdict() == "diverged at epoch 3"
    finding = dg.overfitting(history)
    assert finding.kind == dg.NO_OVERFITTING and "finite" in finding.sentence and "0.55" in finding.sentence


def test_empty_sweeps_do_not_crash():
    assert len(dg.diagnose_learning_rates([])) == 0
    assert len(dg.diagnose_batch_sizes([])) == 0
    assert dg.diagnose_epochs(make([], [])).sentences() == []


# ---------------------------------------------------------------------------------------------------------------
# Early stopping: Keras itself is the reference


def test_early_stopping_examples():
    assert early_stopping([0.5, 0.4, 0.45, 0.46, 0.47], patience=2) == (4, 2)
    assert early_stopping([0.5, 0.4, 0.3], patience=2) == (None, 3)
    assert early_stopping([], patience=2) == (None, None)
    # It fires on the last epoch: stop_epoch is that epoch.
    assert early_stopping([0.5, 0.4, 0.45, 0.46], patience=2) == (4, 2)
    # A tie is not an improvement; with min_delta a small gain is not either.
    assert early_stopping([0.5, 0.5, 0.5], patience=2) == (3, 1)
    assert early_stopping([0.5, 0.49, 0.48, 0.47], patience=2, min_delta=0.02) == (3, 1)
    # patience 0 stops at the first epoch without improvement (never the very first epoch).
    assert early_stopping([0.5, 0.6, 0.4], patience=0) == (2, 1)
    # NaN never improves.
    assert early_stopping([0.5, float("nan"), float("nan")], patience=2) == (3, 1)


class _FakeModel:
    def __init__(self):
        self.stop_training = False
        self.epoch = 0

    def get_weights(self):
        return [self.epoch]

    def set_weights(self, weights):
        self.restored = weights[0]


def keras_early_stopping(values, patience, min_delta=0.0, start_from_epoch=0):
    """Drive the real callback the way `fit` does: stop after the epoch where it sets `stop_training`."""
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta,
                                             restore_best_weights=True, start_from_epoch=start_from_epoch)
    model = _FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_end(epoch, {"val_loss": float(value)})
        if model.stop_training:
            break
    callback.on_train_end()
    stop = callback.stopped_epoch + 1 if model.stop_training else None
    restored = getattr(model, "restored", None)
    return stop, (restored + 1 if restored is not None else None), callback


def test_early_stopping_matches_the_keras_callback_on_random_curves():
    rng = np.random.default_rng(0)
    checked = 0
    for trial in range(300):
        n = int(rng.integers(1, 30))
        values = np.round(0.5 + 0.1 * rng.standard_normal(n).cumsum() / 3, int(rng.integers(1, 4)))  # with ties
        if trial % 7 == 0 and n > 2:
            values[rng.integers(0, n)] = np.nan
        if trial % 11 == 0:
            values[rng.integers(0, n)] = np.inf
        patience = int(rng.integers(0, 6))
        min_delta = float(rng.choice([0.0, 0.001, 0.01, -0.01]))
        start = int(rng.choice([0, 0, 0, 2]))
        stop, best, callback = keras_early_stopping(values, patience, min_delta, start)
        ours = early_stopping(values, patience, min_delta, start_from_epoch=start)
        assert ours == (stop, best), (values.tolist(), patience, min_delta, start)
        if best is not None:
            assert callback.best_epoch + 1 == best
        checked += stop is not None
    assert checked > 100  # most trials do stop early


def test_early_stopping_compares_in_float32_like_keras():
    values = [0.1, 0.1 - 1e-10, 0.2]  # equal in float32: no improvement
    assert keras_early_stopping(values, 1)[:2] == early_stopping(values, 1) == (2, 1)


@pytest.fixture(scope="module")
def keras_runs(tiny_dataset):
    data = tiny_dataset

    class RecordWeights(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append(self.model.get_weights())

    def fit(callbacks):
        keras.utils.set_random_seed(1)
        model = compile_lesson_model(build_model(data.n_features, 64, seed=1), learning_rate=0.03)
        history = model.fit(data.x_train, data.y_train, epochs=12, batch_size=32, shuffle=False,
                            validation_data=(data.x_val, data.y_val), callbacks=callbacks, verbose=0)
        return model, history.history

    recorder = RecordWeights()
    _, full = fit([recorder])
    return fit, full, recorder.weights


@pytest.mark.parametrize("patience", [2, 20])
def test_early_stopping_matches_a_real_keras_fit(keras_runs, patience):
    fit, full, weights_per_epoch = keras_runs
    stop, best = early_stopping(full["val_loss"], patience)
    if patience == 2:
        assert stop is not None and stop < len(full["val_loss"])  # this run turns early: the callback must fire
    else:
        assert stop is None
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    model, stopped = fit([callback])
    epochs_run = len(stopped["loss"])
    assert epochs_run == (stop if stop is not None else len(full["loss"]))
    assert stopped["val_loss"] == full["val_loss"][:epochs_run]  # same run up to the stop
    assert callback.best_epoch + 1 == best
    # The weights Keras restores are those the full run had after `best`.
    for restored, recorded in zip(model.get_weights(), weights_per_epoch[best - 1]):
        np.testing.assert_array_equal(restored, recorded)


# ---------------------------------------------------------------------------------------------------------------
# Real sweeps on the practice data


@pytest.fixture(scope="module")
def practice_2000():
    return load_builtin("practice", max_rows=2000)


def test_real_learning_rate_sweep(practice_2000):
    base = RunSpec(practice_2000.fingerprint, epochs=20, batch_size=32)
    rates = [1e-4, 1e-3, 1e-2, 0.1, 1.0]
    findings = dg.diagnose_learning_rates(train_sweep(practice_2000, [base.replace(learning_rate=r) for r in rates]))
    assert findings.has(dg.DIVERGED, 1.0)
    assert findings.get(dg.DIVERGED, 1.0).data["epoch"] <= 3
    assert findings.has(dg.TOO_SLOW, 1e-4)
    assert not findings.has(dg.TOO_SLOW, 1e-2) and not findings.has(dg.DIVERGED, 1e-2)
    assert findings.best_value in (1e-3, 1e-2)
    assert findings.verdict(1.0).startswith("lr 1.0 — diverged at epoch")
    assert findings.verdict(1e-4) == "lr 0.0001 — too slow"
    assert findings.has(dg.OSCILLATING, 0.1) or findings.has(dg.TOO_HIGH, 0.1)


def test_real_batch_size_sweep(practice_2000):
    base = RunSpec(practice_2000.fingerprint, epochs=10, learning_rate=0.01)
    findings = dg.diagnose_batch_sizes(train_sweep(practice_2000, [base.replace(batch_size=b) for b in (8, 512)]))
    noise = findings.get(dg.NOISE_COMPARISON).data["noise"]
    assert noise[8] > 3 * noise[512]
    updates = findings.get(dg.UPDATES_COMPARISON).data
    assert updates["updates_per_epoch"] == {8: 160, 512: 3}  # 1,280 training rows
    assert updates["total_updates"] == {8: 1600, 512: 30}
    assert findings.verdict(8).startswith("batch 8 — noisiest")
    assert findings.verdict(512).startswith("batch 512 — smoothest")


def test_real_overfitting_run(practice_2000):
    spec = RunSpec(practice_2000.fingerprint, epochs=40, batch_size=32, learning_rate=0.01)
    (history,) = train_sweep(practice_2000, [spec])
    findings = dg.diagnose_epochs(history)
    turn = findings.get(dg.OVERFITTING)
    assert turn is not None
    assert 3 <= turn.data["best_epoch"] <= 10
    assert turn.data["end_val_loss"] > 1.3 * turn.data["best_val_loss"]
    stop = findings.get(dg.EARLY_STOPPING).data
    assert stop["stop_epoch"] is not None and stop["stop_epoch"] < 20
    assert findings.get(dg.ACCURACY_GAP).data["gap"] > 0.1
    assert findings.verdict().startswith("overfits after epoch")
