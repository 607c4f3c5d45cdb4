"""One run's curves: smoothing, overfitting (the one definition), divergence and what came after it, oscillation,
update noise, and EarlyStopping replayed against Keras' own callback."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlviz.analysis import curves
from dlviz.analysis.curves import early_stopping
from tests.support.reference import build_model, compile_lesson_model
from dlviz.engine.runtime import keras
from tests.support.histories import make, overfitting_curves


def test_smoothing_is_a_centred_three_epoch_mean():
    assert curves.smoothed([1, 2, 3, 4]).tolist() == pytest.approx([1.5, 2, 3, 3.5])
    assert np.isnan(curves.smoothed([1, float("nan"), 3, 4, 5])[:3]).all()
    # One dip does not make a run best: the dip to 0.043 among values of 0.10-0.14 counts as a third.
    dip = make([0.5] * 5, [0.12, 0.10, 0.043, 0.14, 0.137])
    assert curves.lowest(curves.array(dip.val_loss)) == (3, pytest.approx(0.043))  # the raw lowest
    assert curves.robust_best(dip) == (2, pytest.approx((0.12 + 0.10 + 0.043) / 3))


def test_overfitting_detected_with_best_epoch_and_onset():
    train, val = overfitting_curves()
    found = curves.overfitting(make(train, val))
    # The raw minimum is epoch 14; the curve falls faster than it climbs, so the smoothed minimum sits one later.
    assert found.overfitting and found.best_epoch == 15
    assert curves.robust_best(make(train, val))[1] == pytest.approx(0.31, abs=0.003)


@pytest.mark.parametrize("seed", range(20))
def test_noise_alone_is_not_overfitting(seed):
    rng = np.random.default_rng(seed)
    flat_train = 0.45 * (1 + 0.01 * rng.standard_normal(60))
    flat_val = 0.50 * (1 + 0.01 * rng.standard_normal(60))
    assert not curves.overfitting(make(flat_train, flat_val)).overfitting
    assert not curves.overfitting(make(np.linspace(0.6, 0.3, 60), flat_val)).overfitting


def test_rising_validation_with_rising_training_loss_is_not_overfitting():
    train = np.concatenate([np.linspace(0.7, 0.4, 10), np.linspace(0.4, 0.6, 10)])
    assert not curves.overfitting(make(train, train + 0.05)).overfitting


def test_no_validation_loss_gives_nothing():
    assert curves.overfitting(make([0.7, 0.6], [float("nan"), float("nan")])) is None
    assert curves.robust_best(make([0.7], [])) is None


def test_divergence_reasons():
    nan = curves.divergence(make([0.7, 0.6, float("nan")], lr=1.0))
    assert (nan.epoch, nan.reason, nan.nan_at, nan.after) == (3, "nan", 3, curves.AFTER_NAN)
    assert curves.divergence(make([0.7, float("inf")], [0.7, 0.9])).reason == "inf"
    exploded = curves.divergence(make([0.69, 0.8, 2.5, 9.0]))
    assert (exploded.epoch, exploded.reason) == (3, "exploded") and exploded.ratio == pytest.approx(2.5 / 0.69)
    assert curves.divergence(make([22.6], initial_loss=0.73)).epoch == 1
    assert curves.divergence(make([0.69, 0.8, 2.0, 0.7])) is None
    in_updates = make([0.65, 0.55], update_loss=[0.7, 0.6, 0.5, float("nan")], updates_per_epoch=2)
    assert curves.divergence(in_updates).epoch == 2


def test_after_a_blow_up_the_network_predicts_one_class_only_when_the_numbers_say_so():
    # As Keras reports lr 1: a spike in epoch 1, then a constant predictor near ln 2 at the majority share.
    kwargs = dict(initial_loss=0.69, diverged_at=1, val_accuracy=[0.6] + [0.875] * 9)
    recorded = curves.divergence(make([15.0] + [0.70] * 9, final_positive_share=0.0, **kwargs))
    assert (recorded.epoch, recorded.after, recorded.end_loss) == (1, curves.AFTER_CONSTANT, pytest.approx(0.70))
    # Without the engine's share: the loss at the prior and the accuracy at the majority share back it.
    assert curves.divergence(make([15.0] + [0.70] * 9, majority_val_accuracy=0.875, **kwargs)).after == \
        curves.AFTER_CONSTANT
    # Same curve but the accuracy is not the majority share: nothing is claimed.
    other = dict(kwargs, val_accuracy=[0.6] + [0.80] * 9)
    assert curves.divergence(make([15.0] + [0.70] * 9, majority_val_accuracy=0.875, **other)).after == \
        curves.AFTER_UNKNOWN
    # A share strictly between 0 and 1 is not a constant predictor; a loss back below the start (over the last 3
    # epochs) is a recovery.
    assert curves.divergence(make([15.0, 0.5, 0.4, 0.4], final_positive_share=0.3, initial_loss=0.69,
                                  diverged_at=1)).after == curves.AFTER_RECOVERED


def test_recovery_is_judged_on_the_number_the_sentence_prints():
    # The newcomer's /learning_rate?seeds=1 run: the last epoch (0.700) dips below the start (0.721) but the mean of
    # the last 3 epochs (0.726) does not. One statistic decides and is printed: the last-3 mean, so no recovery.
    loss = [18.5, 0.9, 0.8, 0.76, 0.74, 0.738, 0.70]
    found = curves.divergence(make(loss, initial_loss=0.721, diverged_at=1, final_positive_share=0.4))
    assert loss[-1] == 0.70 < 0.721 < found.end_loss == pytest.approx((0.74 + 0.738 + 0.70) / 3)
    assert found.after != curves.AFTER_RECOVERED
    back = curves.divergence(make([18.5, 0.9, 0.6, 0.6, 0.6], initial_loss=0.721, diverged_at=1,
                                  final_positive_share=0.4))
    assert back.after == curves.AFTER_RECOVERED and back.end_loss == pytest.approx(0.6)
    # Back below the start by a hair but no better than a constant guess (ln 2 = 0.693): not a recovery either.
    flat = curves.divergence(make([11.5, 0.74, 0.735, 0.735, 0.735], initial_loss=0.736, diverged_at=1,
                                  final_positive_share=0.4))
    assert flat.end_loss < 0.736 and flat.after == curves.AFTER_UNKNOWN


def test_prior_loss_not_learning_and_huge_losses():
    assert curves.prior_loss(make([0.7])) == pytest.approx(math.log(2))
    imbalanced = 0.13 * -math.log(0.13) + 0.87 * -math.log(0.87)
    assert curves.prior_loss(make([0.7], prior_loss=imbalanced)) == pytest.approx(imbalanced)
    assert curves.not_learning(make([0.69] * 5, [0.693, 0.692, 0.694, 0.693, 0.692]))
    assert not curves.not_learning(make([0.5] * 5, [0.5] * 5))
    assert curves.not_learning(make([0.4] * 5, [0.38] * 5, prior_loss=imbalanced))  # 0.38 is the guess here
    unscaled = make([3e9, 2e9, 1e9], [4e9, 2e9, 1.5e9])
    assert curves.huge_loss(unscaled) and curves.loss_ratio_to_prior(unscaled) == pytest.approx(4e9 / math.log(2))
    assert not curves.huge_loss(make([0.5], [0.6]))


def test_oscillation():
    val = [0.6, 0.45, 0.6, 0.45, 0.62, 0.44, 0.6, 0.45, 0.58, 0.44, 0.6, 0.45]
    assert curves.oscillates(make(np.linspace(0.6, 0.4, 12), val))  # 10 reversals
    assert curves.oscillates(make([0.7, 0.6, 0.65, 0.55, 0.6, 0.5, 0.56, 0.48, 0.52, 0.47], np.linspace(0.7, 0.5, 10)))
    smooth = np.linspace(0.7, 0.3, 20)
    assert not curves.oscillates(make(smooth, smooth + 0.1))
    assert not curves.oscillates(make(smooth[:8], [0.6, 0.5, 0.45, 0.6, 0.44, 0.43, 0.42, 0.41]))  # 2 reversals
    assert not curves.oscillates(make([0.7, 0.6, float("nan")], [0.6, 0.45, 0.6]))
    # Training loss rising in one epoch of nine: under 20% of the steps, and once is not twice.
    one_rise = [0.7, 0.6, 0.65, 0.55, 0.5, 0.45, 0.42, 0.4, 0.38, 0.37]
    assert not curves.oscillates(make(one_rise, np.linspace(0.7, 0.5, 10)))


def test_update_noise():
    rng = np.random.default_rng(0)
    steps = np.arange(2000)
    trend = 0.7 * np.exp(-steps / 500) + 0.3
    assert curves.update_noise(make([0.5], update_loss=trend + 0.05 * rng.standard_normal(2000))) == \
        pytest.approx(0.05, rel=0.1)
    assert curves.update_noise(make([0.5], update_loss=trend)) == pytest.approx(0.0, abs=1e-4)
    assert math.isnan(curves.update_noise(make([0.5], update_loss=[0.5, 0.4, 0.3])))
    with_nan = np.concatenate([trend[:500] + 0.05 * rng.standard_normal(500), [np.nan, 1e9]])
    assert curves.update_noise(make([0.5], update_loss=with_nan)) == pytest.approx(0.05, rel=0.15)


# ---------------------------------------------------------------------------------------------------------------
# EarlyStopping: Keras itself is the reference


def test_early_stopping_examples():
    assert early_stopping([0.5, 0.4, 0.45, 0.46, 0.47], patience=2) == (4, 2)
    assert early_stopping([0.5, 0.4, 0.3], patience=2) == (None, 3)
    assert early_stopping([], patience=2) == (None, None)
    assert early_stopping([0.5, 0.5, 0.5], patience=2) == (3, 1)
    assert early_stopping([0.5, 0.6, 0.4], patience=0) == (2, 1)
    assert early_stopping([0.5, float("nan"), float("nan")], patience=2) == (3, 1)


class _FakeModel:
    def __init__(self):
        self.stop_training = False
        self.epoch = 0

    def get_weights(self):
        return [self.epoch]

    def set_weights(self, weights):
        self.restored = weights[0]


def keras_early_stopping(values, patience):
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
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
    return stop, (restored + 1 if restored is not None else None)


def test_early_stopping_matches_the_keras_callback_on_random_curves():
    rng = np.random.default_rng(0)
    stopped = 0
    for trial in range(300):
        n = int(rng.integers(1, 30))
        values = np.round(0.5 + 0.1 * rng.standard_normal(n).cumsum() / 3, int(rng.integers(1, 4)))
        if trial % 7 == 0 and n > 2:
            values[rng.integers(0, n)] = np.nan
        if trial % 11 == 0:
            values[rng.integers(0, n)] = np.inf
        patience = int(rng.integers(0, 6))
        expected = keras_early_stopping(values, patience)
        assert early_stopping(values, patience) == expected, (values.tolist(), patience)
        stopped += expected[0] is not None
    assert stopped > 100


def test_early_stopping_compares_in_float32_like_keras():
    values = [0.1, 0.1 - 1e-10, 0.2]
    assert keras_early_stopping(values, 1) == early_stopping(values, 1) == (2, 1)


def test_early_stopping_matches_a_real_keras_fit(tiny_dataset):
    data = tiny_dataset

    def fit(callbacks):
        keras.utils.set_random_seed(1)
        model = compile_lesson_model(build_model(data.n_features, 64, seed=1), learning_rate=0.03)
        return model.fit(data.x_train, data.y_train, epochs=12, batch_size=32, shuffle=False,
                         validation_data=(data.x_val, data.y_val), callbacks=callbacks, verbose=0).history

    full = fit([])
    stop, best = early_stopping(full["val_loss"], 2)
    assert stop is not None and stop < 12
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    stopped = fit([callback])
    assert len(stopped["loss"]) == stop and callback.best_epoch + 1 == best


def test_validation_below_training_counts_the_early_epochs_of_the_seeds_mean():
    from dlviz.analysis.curves import validation_below_training

    train = [0.60, 0.50, 0.45, 0.42, 0.40, 0.39]
    runs = [make(train, [0.52, 0.47, 0.46, 0.44, 0.43, 0.43], seed=1),
            make(train, [0.54, 0.51, 0.47, 0.45, 0.44, 0.44], seed=2)]  # seed 2 alone is above at epoch 2
    assert validation_below_training(runs) == 2  # the seeds' mean: 0.53 < 0.60, 0.49 < 0.50, then 0.465 > 0.45
    assert validation_below_training([make(train, [0.61] + train[1:])]) == 0  # not at epoch 1: none
