"""The edge of stability: sharpness by power iteration against exact eigenvalues, Adam against Keras' Adam, the 1-D
valley against its closed form, the regime classifier on constructed series, and the sentences and figures."""

from __future__ import annotations

import numpy as np
import pytest

from dlviz.analysis import stability as analysis
from dlviz.charts.stability import stability_figure, valley_figure
from dlviz.engine import stability as engine
from dlviz.engine.model import initial_weights
from dlviz.engine.runtime import keras, tf
from dlviz.runs import ADAM, StabilityRun, StabilitySpec
from dlviz.text.stability import regime_sentence


@pytest.fixture(scope="module")
def small(tiny_dataset):
    """A small model (8 hidden units: 177 weights) at its seeded start, on the tiny dataset, and its exact Hessian."""
    flat = tf.constant(np.concatenate([w.ravel() for w in initial_weights(tiny_dataset.n_features, 8, 3)]))
    x, y = tf.constant(tiny_dataset.x_train), tf.constant(tiny_dataset.y_train)
    with tf.GradientTape() as outer:
        outer.watch(flat)
        _, grad = engine._gradient(flat, x, y)
    hessian = outer.jacobian(grad, flat).numpy().astype(np.float64)
    return flat, x, y, (hessian + hessian.T) / 2


def test_power_iteration_finds_a_quadratics_largest_eigenvalue():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((30, 30)))
    eigenvalues = np.append(np.linspace(0.1, 4.0, 29), 5.0)  # known: the top one 5, the gap to the next 1
    matrix = (q * eigenvalues) @ q.T
    value, vector, iterations = engine._power_iteration(lambda v: tf.linalg.matvec(tf.constant(matrix, tf.float32), v),
                                                       tf.constant(rng.standard_normal(30), tf.float32))
    value, vector = float(value), vector.numpy().astype(np.float64)
    assert 2 <= int(iterations) < engine.MAX_POWER_ITERATIONS  # stopped on its residual
    # It stops at a residual of at most POWER_TOLERANCE x the estimate, and a symmetric matrix's Rayleigh quotient
    # is within residual^2 / gap (here 1) of an eigenvalue.
    assert 0 <= 5.0 - value <= (engine.POWER_TOLERANCE * value) ** 2 and value == pytest.approx(5.0, rel=5e-3)
    assert abs(vector @ q[:, -1]) > 0.99  # the top eigenvector


def test_sharpness_matches_the_exact_hessians_top_eigenvalue(small):
    flat, x, y, hessian = small
    start = tf.constant(np.random.default_rng(1).standard_normal(flat.shape[0]), tf.float32)
    value, _, _ = engine.top_eigenvalue(flat, x, y, tf.ones_like(flat), start)
    assert float(value) == pytest.approx(np.linalg.eigvalsh(hessian).max(), rel=1e-2)
    # Preconditioned (Adam's P^-1/2 H P^-1/2 with a made-up second moment): against the exact scaled matrix.
    scale = engine.adam_scale(np.random.default_rng(2).uniform(1e-6, 1e-3, flat.shape[0]).astype(np.float32), 7.0)
    value, _, _ = engine.top_eigenvalue(flat, x, y, tf.constant(scale), start)
    s = scale.astype(np.float64)
    assert float(value) == pytest.approx(np.linalg.eigvalsh(s[:, None] * hessian * s[None, :]).max(), rel=1e-2)


def test_a_run_measures_its_sharpness_at_the_start_exactly(tiny_dataset, small):
    flat, _, _, hessian = small
    run = engine.train_full_batch(tiny_dataset, StabilitySpec(tiny_dataset.fingerprint, 0.5, steps=20, seed=3,
                                                             hidden_units=8))
    assert run.sharpness_steps.tolist() == [0, 10, 20] and len(run.losses) == 21
    assert run.sharpness[0] == pytest.approx(np.linalg.eigvalsh(hessian).max(), rel=1e-2)
    assert run.spec.threshold == 4.0 and np.all(np.diff(run.losses) < 0)  # far below 2/lr: the loss falls every step


def test_adam_is_keras_adam(tiny_dataset):
    """Five full-batch steps of the engine's Adam against keras.optimizers.Adam applying the same gradients."""
    run_flat = tf.constant(np.concatenate([w.ravel() for w in initial_weights(tiny_dataset.n_features, 8, 5)]))
    x, y = tf.constant(tiny_dataset.x_train), tf.constant(tiny_dataset.y_train)
    zeros = tf.zeros_like(run_flat)
    ours, _, _, _, _ = engine._TRAIN_STEPS[ADAM](run_flat, zeros, zeros, tf.constant(0.0), x, y,
                                                        tf.constant(0.05), tf.constant(5))
    variable = keras.Variable(run_flat)
    optimizer = keras.optimizers.Adam(learning_rate=0.05)
    for _ in range(5):
        optimizer.apply_gradients([(engine._gradient(variable.value, x, y)[1], variable)])
    np.testing.assert_allclose(ours.numpy(), variable.numpy(), rtol=0, atol=1e-6)
    assert StabilitySpec('data', 0.01, ADAM).threshold == pytest.approx(3800)


def test_the_valley_follows_its_closed_form():
    curvature = 1.6
    for factor in (0.3, 1.6, 2.1):
        lr, x, iterates = factor / curvature, 1.0, [1.0]
        for _ in range(6):
            x -= lr * curvature * x  # gradient descent on curvature x^2 / 2
            iterates.append(x)
        np.testing.assert_allclose(analysis.valley_iterates(curvature, lr, steps=6), iterates, rtol=1e-12)
    creep, overshoot, diverge = (analysis.valley_iterates(curvature, f / curvature) for f in (0.3, 1.6, 2.1))
    assert np.all(creep > 0) and np.all(np.diff(creep) < 0)
    assert np.all(np.sign(overshoot[1:]) != np.sign(overshoot[:-1])) and abs(overshoot[-1]) < 0.1
    assert np.all(np.abs(np.diff(np.abs(diverge))) > 0) and abs(diverge[-1]) > 1.5


def _series(sharpness, losses, threshold: float, learning_rate: float):
    """A made-up gradient-descent run (its threshold 2 / learning_rate) for the classifier."""
    assert threshold == pytest.approx(2 / learning_rate)
    losses = np.asarray(losses, float)
    steps = np.linspace(0, len(losses) - 1, len(sharpness)).astype(int)
    return StabilityRun(StabilitySpec("data", learning_rate, steps=len(losses) - 1), losses, steps,
                        np.asarray(sharpness, float))


def test_regimes_of_constructed_series():
    falling = np.linspace(0.7, 0.4, 101)
    below = analysis.classify(_series(np.linspace(1.5, 1.6, 11), falling, threshold=40, learning_rate=0.05))
    assert below.kind == analysis.BELOW and below.far_below and not below.sharpened and below.loss_rises == 0
    sharpening = analysis.classify(_series(np.linspace(1.5, 2.4, 11), falling, threshold=4, learning_rate=0.5))
    assert sharpening.kind == analysis.BELOW and sharpening.sharpened and not sharpening.far_below
    wobbly = falling + 0.01 * (np.arange(101) % 2)
    edge = analysis.classify(_series([1.5, 1.7, 1.9, 2.1, 2.0, 2.15, 1.95, 2.1, 2.05, 2.1, 1.9], wobbly, 2, 1.0))
    assert edge.kind == analysis.EDGE and edge.late_median == pytest.approx(2.05) and edge.loss_rises == 50
    # Short of the edge by more than 10% over the last quarter: never "at the edge".
    back = analysis.classify(_series([1.5, 1.9, 2.1, 1.8, 1.5, 1.4, 1.4, 1.4, 1.4, 1.4, 1.4], falling, 2, 1.0))
    assert back.kind == analysis.BELOW and "above 2/lr, then fell back below it" in regime_sentence(back)
    near = analysis.classify(_series([1.5, 1.6, 1.7, 1.75, 1.8, 1.8, 1.8, 1.79, 1.78, 1.78, 1.77], wobbly, 2, 1.0))
    assert near.kind == analysis.BELOW
    catapult_loss = np.concatenate([[0.74, 0.8, 0.96, 0.9], np.linspace(0.85, 0.35, 97)])
    catapult = analysis.classify(_series([1.66, 1.2, 0.74, 0.9, 1.0, 1.1, 1.05, 1.1, 1.0, 1.1, 1.05],
                                          catapult_loss, 1, 2.0))
    assert catapult.kind == analysis.CATAPULT and catapult.rise_loss == 0.96 and catapult.rise_step == 2
    assert catapult.fall_sharpness == 0.74 and catapult.fall_step == 20
    nan = analysis.classify(_series([3.0, 5.0], [0.7, 2.0, np.nan, np.nan], 1, 2.0))
    assert nan.kind == analysis.DIVERGED and nan.diverged_step == 2
    early = analysis.classify(StabilityRun(StabilitySpec("data", 0.5, ADAM), np.array([0.7, np.nan]), np.zeros(0),
                                           np.zeros(0)))
    assert early.kind == analysis.DIVERGED and early.diverged_step == 1
    stuck = analysis.classify(_series([3.0, 2.0, 2.5], np.linspace(0.7, 0.9, 11), 1, 2.0))
    assert stuck.kind == analysis.DIVERGED and stuck.diverged_step is None


def test_sentences_and_figure_of_real_runs(tiny_dataset):
    runs = [engine.train_full_batch(tiny_dataset, StabilitySpec(tiny_dataset.fingerprint, lr, steps=40, hidden_units=8))
            for lr in (0.1, 50.0)]
    regimes = [analysis.classify(r)
               for r in runs]
    first = regime_sentence(regimes[0])
    assert first.startswith("**lr 0.1** (2/lr = 20)") and "edge" not in first  # far below its edge
    assert "38/lr" in regime_sentence(regimes[0], adam=True)
    figure = stability_figure(runs)
    assert len(figure.data) == 6 and len(figure.frames) == 40
    assert figure.layout.yaxis2.type == "log" and list(figure.data[2].y) == [20.0, 20.0]
    np.testing.assert_allclose(np.asarray(figure.data[0].y, float), runs[0].losses, rtol=1e-6)
    valley = valley_figure()  # the same picture for every λ: x_t = (1 − lr·λ)ᵗ at lr = 2.1/λ
    np.testing.assert_allclose(valley.data[5].x, analysis.valley_iterates(1.5, 2.1 / 1.5, steps=5))


def test_predict_and_quiz_quote_the_runs_sharpness():
    from dlviz.text.predictions import RIGHT, WRONG, Context
    from dlviz.text.stability import check_start_above, predict_questions, quiz_question

    falling = np.linspace(0.7, 0.4, 101)
    regimes = [analysis.classify(_series(np.full(11, 1.6), falling, threshold=2 / lr, learning_rate=lr))
               for lr in (0.5, 1.0, 2.0)]
    context = Context("stability", "k", (0.5, 1.0, 2.0), 100, 2560)
    (question,) = predict_questions(context)
    assert question.options == (0.5, 1.0, 2.0) and question.labels == ("lr 0.5", "lr 1", "lr 2")
    right = check_start_above([2.0], regimes, context)  # 2/lr = 1 < 1.6: only lr 2 starts above
    assert right.kind == RIGHT and "lr > 1.25: lr 2" in right.sentence
    assert check_start_above([1.0, 2.0], regimes, context).kind == WRONG
    quiz = quiz_question(regimes)
    assert "λ = 1.6" in quiz.prompt and quiz.correct_option == "2/λ = 1.25"
    assert "lr < 2/λ = 1.25 here" in quiz.explain(None)


def test_the_section_on_the_page_predict_first_then_sentences_and_adam():
    from tests.support import figures, open_page

    at = open_page("app_pages/learning_rate.py", predict="true", rows="500", seeds="1", lrs=["0.01"], lr_epochs="2")
    # One swept rate: the sweep asks nothing, so the section's question is the page's only one.
    (above,) = [m for m in at.multiselect if "start above their 2/lr" in m.label]
    assert not [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Full-batch")]  # held back
    above.set_value([2.0])
    next(b for b in at.button if b.label == "Show the curves").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Full-batch gradient descent")]
    assert [t["name"] for t in chart["data"] if t.get("showlegend", True)] == [
        "lr 0.05", "lr 0.2", "lr 0.5", "lr 1", "lr 2"] and chart["frames"]
    text = " ".join(m.value for m in at.markdown)
    assert "**lr 2** (2/lr = 1)" in text and any("lr 2" in e.value for e in list(at.success) + list(at.error))
    assert any("starts with sharpness λ = " in r.label for r in at.radio)  # the quiz quotes the measured sharpness
    at.radio(key="lr_opt").set_value(ADAM).run()
    (chart,) = [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Full-batch Adam")]
    assert "**lr 0.01** (38/lr = 3,800)" in " ".join(m.value for m in at.markdown)


def test_a_link_opens_the_section_on_the_lessons_adam():
    from tests.support import figures, open_page

    at = open_page("app_pages/learning_rate.py", lr_opt="adam")
    assert not at.exception and at.radio(key="lr_opt").value == ADAM
    assert [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Full-batch Adam")]


def test_the_shipped_default_view_covers_the_section_and_matches_a_fresh_run():
    from dlviz import defaults, settings
    from dlviz.precomputed import stability as shipped
    from dlviz.runs import GD, stability_specs

    dataset = defaults.default_dataset()
    stored = shipped.load()
    for optimizer in (GD, ADAM):
        assert all(s in stored for s in stability_specs(dataset.fingerprint, optimizer, settings.SEED.default,
                                                         settings.HIDDEN.default))
    spec = stability_specs(dataset.fingerprint, GD, settings.SEED.default, settings.HIDDEN.default)[0]
    fresh = engine.train_full_batch(dataset, spec)
    np.testing.assert_allclose(fresh.losses, stored[spec].losses, rtol=1e-4)  # floats differ a little across CPUs
    np.testing.assert_allclose(fresh.sharpness, stored[spec].sharpness, rtol=2e-2)


def test_an_uploaded_csv_gets_the_section_valley_and_range_interval():
    from dlviz.data import practice_frame
    from tests.support import figures, open_page

    at = open_page("app_pages/learning_rate.py", rows="500", seeds="1", lrs=["0.01"], lr_epochs="2")
    at.sidebar.radio(key="data").set_value("upload").run()
    at.file_uploader(key="upload").set_value(("good.csv", practice_frame(600).to_csv(index=False).encode(),
                                              "text/csv")).run()
    at.toggle(key="lr_range_test").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert any(t.startswith("Full-batch gradient descent") for t in titles)
    assert any(t.startswith("One valley") for t in titles) and any(t.startswith("Learning-rate range") for t in titles)
    assert any(c.value.startswith("Suggested: between learning rate") for c in at.caption)


def test_the_adam_view_trains_no_gradient_descent_runs_for_the_valley():
    """λ in the valley's caption is the gradient-descent runs' sharpness at the start: the Adam view states the rule
    without a number rather than training five more runs (its own runs measure the preconditioned sharpness); the
    gradient-descent view quotes its measured λ."""
    from dlviz.data import load_builtin
    from dlviz.runs import ADAM, GD, stability_specs
    from dlviz.text.stability import valley_sentence
    from dlviz.ui.sweep import trainer
    from tests.support import open_page

    fingerprint = load_builtin("practice", max_rows=500).fingerprint  # a seed no other test trains: nothing stored
    at = open_page("app_pages/learning_rate.py", lr_opt="adam", rows="500", seed="611", seeds="1", lrs=["0.01"],
                   lr_epochs="2")
    assert trainer().get(stability_specs(fingerprint, ADAM, 611)) is not None  # the Adam view trained its runs ...
    assert trainer().get(stability_specs(fingerprint, GD, 611)) is None  # ... and no gradient-descent run
    valley = next(c.value for c in at.caption if c.value.startswith("On a valley"))
    assert "λ = " not in valley and "The gradient-descent view measures λ" in valley
    at.radio(key="lr_opt").set_value(GD).run()
    assert not at.exception
    valley = next(c.value for c in at.caption if c.value.startswith("On a valley"))
    assert valley == valley_sentence(float(trainer().get(stability_specs(fingerprint, GD, 611))[0].sharpness[0]))
