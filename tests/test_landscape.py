"""Where the steps go: plane maths on constructed arrays, the batched loss against Keras and NumPy, and the truth of
the map at the recorded paths (real Keras training on a tiny dataset)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.support import array
from tests.support.reference import bilinear, build_model, flatten_weights, record_schedule, unflatten_weights

from dlviz.analysis.landscape import LineProfile, clip_to_map, landscape_frame, zoom_runs
from dlviz.analysis.plane import fit_plane, grid_axes, grid_coords
from dlviz.runs import LandscapeError, n_params

# Losses are float32 means of ~400 per-row cross-entropies of size ~1: summation order alone moves them by ~1e-6
# relative, far under the 1e-4 a user could read off a 4-decimal hover label.
LOSS_TOL = 1e-4


# ---------------------------------------------------------------------------------------------------------------
# Plane maths on small constructed arrays (no TensorFlow)


def test_plane_recovers_a_known_plane_and_its_shares():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(6, 3)))[0].T  # 3 orthonormal directions in R^6
    centre = rng.normal(size=6)
    # Points at known coordinates: spread 3 along e0, 2 along e1, 0.5 along e2 (symmetric, so no mean offset).
    coords = np.array([[3, 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 0.5], [0, 0, -0.5]], float)
    points = centre + coords @ basis
    plane = fit_plane([points[:3], points[3:]], centre)
    energy = np.array([18.0, 8.0, 0.5])
    np.testing.assert_allclose(plane.explained, energy[:2] / energy.sum(), rtol=1e-12)
    np.testing.assert_allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(np.abs(plane.directions @ basis[:2].T), np.eye(2), atol=1e-12)
    projected, residual = plane.project(points)
    np.testing.assert_allclose(residual, [0, 0, 0, 0, 0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(np.abs(projected), np.abs(coords[:, :2]), atol=1e-12)
    np.testing.assert_allclose(plane.project(centre[None])[0], [[0, 0]], atol=1e-12)
    # Round trip: weights at the projected coordinates are the points minus what the plane loses.
    np.testing.assert_allclose(np.linalg.norm(plane.weights_at(projected) - points, axis=1), residual, atol=1e-5)


def test_plane_signs_put_the_start_at_negative_coordinates():
    rng = np.random.default_rng(1)
    path = np.cumsum(rng.normal(size=(10, 5)), axis=0)
    plane = fit_plane([path], path[-1])
    start, _ = plane.project(path[:1])
    assert (start <= 1e-12).all()


def test_plane_refuses_paths_along_one_line():
    line = np.outer(np.linspace(0, 1, 5), np.ones(4))
    with pytest.raises(LandscapeError, match="fewer than two directions"):
        fit_plane([line], line[-1])
    with pytest.raises(LandscapeError, match="same model"):
        fit_plane([np.zeros((3, 4)), np.zeros((3, 5))], np.zeros(4))


def test_fit_uses_only_the_named_runs_and_skips_non_finite_points():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    far = np.vstack([b[:3], np.full((1, 4), np.inf)])
    assert np.allclose(fit_plane([a, far], a[-1], runs=[0]).directions, fit_plane([a], a[-1]).directions)
    assert np.isfinite(fit_plane([a, far], a[-1]).directions).all()


def test_flat_weights_round_trip():
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 1)), rng.normal(size=1)]
    flat = flatten_weights(weights)
    assert flat.shape == (n_params(3, 4),) == (21,)
    for got, want in zip(unflatten_weights(flat, 3, 4), weights):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(LandscapeError, match="21 numbers"):
        unflatten_weights(flat[:-1], 3, 4)


def test_grid_order_and_bilinear_reproduce_a_linear_map():
    axis_a, axis_b = np.linspace(-1, 2, 4), np.linspace(0, 3, 5)
    coords = grid_coords(axis_a, axis_b)
    values = (2 * coords[:, 0] - 3 * coords[:, 1] + 1).reshape(len(axis_b), len(axis_a))
    assert values[2, 1] == 2 * axis_a[1] - 3 * axis_b[2] + 1  # row j is axis_b[j], column i is axis_a[i]
    points = np.array([[0.3, 1.7], [-1, 0], [2, 3], [5, 0]])
    np.testing.assert_allclose(bilinear(axis_a, axis_b, values, points)[:3], 2 * points[:3, 0] - 3 * points[:3, 1] + 1)
    assert np.isnan(bilinear(axis_a, axis_b, values, points)[3])


def test_grid_axes_cover_the_points_with_square_cells():
    axis_a, axis_b = grid_axes(np.array([[0, 0], [10, 2]]), size=11, margin=0.1)
    assert axis_a[0] < 0 and axis_a[-1] > 10 and axis_b[0] < 0 and axis_b[-1] > 2
    assert np.isclose(np.diff(axis_a)[0], np.diff(axis_b)[0])


def test_clip_stops_a_path_at_the_edge_of_the_map():
    axis = np.linspace(0, 1, 5)
    path, left = clip_to_map(np.array([[0.5, 0.5], [0.75, 0.5], [1.75, 1.0], [3, 3]]), axis, axis)
    assert left
    np.testing.assert_allclose(path, [[0.5, 0.5], [0.75, 0.5], [1.0, 0.625]])
    inside, left = clip_to_map(np.array([[0.1, 0.1], [0.2, 0.9]]), axis, axis)
    assert not left and len(inside) == 2
    _, left = clip_to_map(np.array([[0.1, 0.1], [np.nan, np.nan]]), axis, axis)
    assert left


def test_line_profile_rise():
    alphas = np.linspace(0, 1, 5)
    assert LineProfile(alphas, np.array([1, 0.8, 0.6, 0.5, 0.4]), alphas).monotone
    bumpy = LineProfile(alphas, np.array([1, 0.5, 0.9, 0.6, 0.4]), alphas)
    assert not bumpy.monotone and np.isclose(bumpy.rise, 0.4)


def test_zoom_keeps_runs_near_the_centre_run():
    start = np.zeros(3)
    paths = [np.array([start, [1, 0, 0]]), np.array([start, [0, 2, 0]]), np.array([start, [9, 9, 9]])]
    assert zoom_runs(paths, centre_run=1) == [0, 1]


def test_record_schedule():
    assert record_schedule(80, 3).tolist() == [0, 10, 20, 30, 40, 50, 60, 70, 80, 160, 240]
    assert record_schedule(5, 2).tolist() == [0, 1, 2, 3, 4, 5, 10]  # fewer updates than points: each once
    thinned = record_schedule(80, 20, max_points=5)
    assert len(thinned) == 5 and thinned[0] == 0 and thinned[-1] == 1600


# ---------------------------------------------------------------------------------------------------------------
# The batched loss against Keras and NumPy


def _numpy_loss(weights: np.ndarray, x: np.ndarray, y: np.ndarray, hidden: int) -> float:
    """The lesson's loss in float64 NumPy: Keras' binary cross-entropy of a sigmoid output, on the logits."""
    k1, b1, k2, b2 = (w.astype(np.float64) for w in unflatten_weights(weights, x.shape[1], hidden))
    logits = (np.maximum(x @ k1 + b1, 0) @ k2 + b2)[:, 0]
    return float(np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))


def test_batched_loss_equals_keras_and_numpy(tiny_dataset):
    from dlviz.engine.landscape import losses_at
    from dlviz.engine.model import initial_weights

    hidden = 8
    x, y = tiny_dataset.x_train, tiny_dataset.y_train
    rng = np.random.default_rng(4)
    start = flatten_weights(initial_weights(tiny_dataset.n_features, hidden, 42))
    # The start, nearby points, and one far out (large logits: the stable form of the loss matters there).
    weights = np.stack([start] + [start + s * rng.normal(size=start.shape) for s in (0.1, 0.5, 1.0, 8.0)])
    batched = losses_at(weights.astype(np.float32), x, y, hidden)
    model = build_model(tiny_dataset.n_features, hidden)
    model.compile(loss="binary_crossentropy")
    for w, got in zip(weights, batched):
        model.set_weights(unflatten_weights(w, tiny_dataset.n_features, hidden))
        keras_loss = model.evaluate(x, y, batch_size=len(x), verbose=0)
        assert abs(got - keras_loss) <= LOSS_TOL * max(1.0, keras_loss)
        assert abs(got - _numpy_loss(w.astype(np.float32), x, y, hidden)) <= LOSS_TOL * max(1.0, got)
    with pytest.raises(LandscapeError, match="Expected weight vectors"):
        losses_at(weights[:, :-1], x, y, hidden)


def test_chunks_give_the_same_losses(tiny_dataset, monkeypatch):
    from dlviz.engine import landscape as engine
    from dlviz.engine.model import initial_weights

    start = flatten_weights(initial_weights(tiny_dataset.n_features, 8, 42))
    weights = (start + np.random.default_rng(5).normal(size=(7, start.size))).astype(np.float32)
    whole = engine.losses_at(weights, tiny_dataset.x_train, tiny_dataset.y_train, 8)
    monkeypatch.setattr(engine, "CHUNK_BYTES", 4 * len(tiny_dataset.y_train) * 8 * 2)  # 2 vectors per call
    calls, traced = [], engine._loss_fn(tiny_dataset.n_features, 8)
    monkeypatch.setattr(engine, "_loss_fn", lambda f, h: lambda w, x, y: calls.append(len(w)) or traced(w, x, y))
    chunked = engine.losses_at(weights, tiny_dataset.x_train, tiny_dataset.y_train, 8)
    assert calls == [2, 2, 2, 1]
    np.testing.assert_allclose(chunked, whole, rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# The truth of the map at the paths (real Keras training)


@pytest.fixture(scope="module")
def tiny_landscape(tiny_dataset):
    from dlviz.surface import compute_landscape
    from tests.support.reference import record_path_plain
    from dlviz.runs import RunSpec

    base = RunSpec(tiny_dataset.fingerprint, epochs=3, batch_size=32, hidden_units=16)
    paths = [record_path_plain(tiny_dataset, base.replace(learning_rate=lr)) for lr in (1e-3, 1e-2, 1e-1)]
    return paths, compute_landscape(tiny_dataset, paths, size=9)


def test_recorded_paths_are_the_engines_weights(tiny_dataset, tiny_landscape):
    from dlviz.engine.sweep import train_sweep

    paths, _ = tiny_landscape
    histories = train_sweep(tiny_dataset, [p.spec for p in paths])
    for path, history in zip(paths, histories):
        assert path.trajectory_updates.tolist() == [0, 2, 3, 5, 6, 8, 9, 11, 12, 24, 36]
        np.testing.assert_array_equal(path.trajectory[-1], flatten_weights(history.weights))


def test_map_is_true_at_the_projected_points(tiny_dataset, tiny_landscape):
    """At every recorded point's projection the map's loss (the same batched grid computation, on a grid whose node
    is that point) equals the loss of the projected weights computed separately and by Keras, to 1e-4."""
    from dlviz.surface import loss_sample, map_losses
    paths, landscape = tiny_landscape
    x, y = loss_sample(tiny_dataset)
    hidden = paths[0].spec.hidden_units
    model = build_model(tiny_dataset.n_features, hidden)
    model.compile(loss="binary_crossentropy")
    for run in range(landscape.n_runs):
        for (a, b), projected in zip(landscape.coords[run], landscape.projected_loss[run]):
            on_map = map_losses(landscape.plane, np.array([a - 1, a]), np.array([b, b + 1]), x, y, hidden)[0, 1]
            assert abs(on_map - projected) <= LOSS_TOL
            model.set_weights(unflatten_weights(landscape.plane.weights_at([[a, b]])[0], tiny_dataset.n_features,
                                                hidden))
            assert abs(model.evaluate(x, y, batch_size=len(x), verbose=0) - projected) <= LOSS_TOL * max(1, projected)


def test_interpolated_map_is_within_its_curvature_bound(tiny_dataset, tiny_landscape):
    """Between grid nodes the drawn map is interpolated; bilinear interpolation errs by at most
    h_a^2/8 max|f_aa| + h_b^2/8 max|f_bb| on a cell (the tensor-product linear interpolation bound). The second
    derivatives are estimated by second differences on a 5 x 5 sub-grid of each point's cell (step h/4); the bound
    gets a factor 2 for what that sampling misses and LOSS_TOL for float32 noise."""
    from dlviz.surface import loss_sample, map_losses

    paths, landscape = tiny_landscape
    x, y = loss_sample(tiny_dataset)
    hidden = paths[0].spec.hidden_units
    axis_a, axis_b = landscape.axis_a, landscape.axis_b
    h_a, h_b = axis_a[1] - axis_a[0], axis_b[1] - axis_b[0]
    coords = np.concatenate(landscape.coords)
    projected = np.concatenate(landscape.projected_loss)
    interpolated = bilinear(axis_a, axis_b, landscape.grid_loss, coords)
    inside = np.isfinite(interpolated)
    assert inside.sum() >= len(coords) // 2
    for (a, b), exact, drawn in zip(coords[inside], projected[inside], interpolated[inside]):
        i = min(np.searchsorted(axis_a, a) - 1, len(axis_a) - 2)
        j = min(np.searchsorted(axis_b, b) - 1, len(axis_b) - 2)
        cell = map_losses(landscape.plane, np.linspace(axis_a[max(i, 0)], axis_a[max(i, 0)] + h_a, 5),
                          np.linspace(axis_b[max(j, 0)], axis_b[max(j, 0)] + h_b, 5), x, y, hidden)
        f_aa = np.abs(np.diff(cell, 2, axis=1)).max() / (h_a / 4) ** 2
        f_bb = np.abs(np.diff(cell, 2, axis=0)).max() / (h_b / 4) ** 2
        bound = 2 * (h_a ** 2 / 8 * f_aa + h_b ** 2 / 8 * f_bb) + LOSS_TOL
        assert abs(drawn - exact) <= bound


def test_residual_is_what_the_plane_loses_and_is_reported(tiny_landscape):
    paths, landscape = tiny_landscape
    for path, coords, residual, stats in zip(paths, landscape.coords, landscape.residual, landscape.stats):
        lost = np.linalg.norm(path.trajectory.astype(np.float64) - landscape.plane.weights_at(coords), axis=1)
        np.testing.assert_allclose(residual, lost, atol=1e-4)  # float32 weights of size ~1
        assert stats.max_residual == pytest.approx(residual.max())
    frame = landscape_frame(landscape, ["a", "b", "c"])
    assert len(frame) == sum(len(p.trajectory) for p in paths)
    assert {"distance_from_plane", "loss_at_weights", "loss_on_map"} <= set(frame.columns)
    # The exact points' losses are the recorded weights' own: the start is the same for every run.
    assert len({round(float(loss[0]), 6) for loss in landscape.point_loss}) == 1


def test_landscape_stats(tiny_landscape):
    paths, landscape = tiny_landscape
    assert landscape.grid_loss.shape == (9, 9) and np.isfinite(landscape.grid_loss).all()
    assert 0.5 < landscape.plane.explained.sum() <= 1.0
    finals = [s.final_loss for s in landscape.stats]
    assert landscape.centre_run == int(np.argmin(finals))
    for s in landscape.stats:
        assert 0 < s.distance_from_start <= s.path_length + 1e-9 and 0 < s.straightness <= 1
    # A larger learning rate moves further on the same batches.
    distances = [s.distance_from_start for s in landscape.stats]
    assert distances == sorted(distances)


def test_figures_carry_the_map_paths_and_replay(tiny_landscape):
    from dlviz.charts.landscape import line_figure, surface_figure

    _, landscape = tiny_landscape
    labels = ["lr 0.001", "lr 0.01", "lr 0.1"]
    figure = json.loads(surface_figure(landscape, labels).to_json())
    assert figure["data"][0]["type"] == "contour"
    assert [t["name"] for t in figure["data"][2:8:2]] == labels
    assert len(figure["frames"]) == len({round(float(e), 6) for e in np.concatenate(landscape.epochs)}) == 11
    assert "of the movement" in figure["layout"]["xaxis"]["title"]["text"]
    # Beside the map, each run's training (solid) and validation (dashed) loss at the recorded points, by epoch.
    curves = figure["data"][8:14]
    assert [t["name"] for t in curves[::2]] == [f"{label} (training)" for label in labels]
    assert {t["xaxis"] for t in curves} == {"x2"} and [t["line"]["dash"] for t in curves[:2]] == ["solid", "dash"]
    np.testing.assert_allclose(array(curves[2], "x"), landscape.epochs[1])
    np.testing.assert_allclose(array(curves[2], "y"), landscape.point_loss[1])
    np.testing.assert_allclose(array(curves[3], "y"), landscape.point_val_loss[1])
    line = json.loads(line_figure(landscape, labels).to_json())
    assert len(line["data"]) == 6


def test_replay_moves_the_paths_and_the_curves_in_step(tiny_landscape):
    """Every frame redraws the paths and the curves up to the same epoch: the curve's last point is the path's."""
    from dlviz.charts.landscape import surface_figure

    _, landscape = tiny_landscape
    figure = json.loads(surface_figure(landscape, ["a", "b", "c"]).to_json())
    for frame in figure["frames"]:
        t = float(frame["name"])
        assert frame["traces"] == list(range(2, 14))
        paths, curves = frame["data"][:6], frame["data"][6:]
        for run in range(3):
            shown = int((landscape.epochs[run] <= t + 1e-9).sum())
            assert len(array(paths[2 * run], "x")) == shown  # no run leaves this map
            assert len(array(curves[2 * run], "x")) == len(array(curves[2 * run + 1], "x")) == shown
            assert max(array(curves[2 * run], "x")) <= t + 1e-9
    assert figure["frames"][0]["name"] == "0" and figure["frames"][-1]["name"] == "3"


def test_validation_loss_at_the_epoch_ends_is_the_sweeps(tiny_dataset, tiny_landscape):
    """The curves' validation loss at the end of each epoch is the validation loss the sweep engine reports."""
    from dlviz.engine.sweep import train_sweep

    paths, landscape = tiny_landscape
    for run, history in enumerate(train_sweep(tiny_dataset, [p.spec for p in paths])):
        ends = [int(np.flatnonzero(landscape.epochs[run] == e)[0]) for e in range(1, history.epochs_run + 1)]
        np.testing.assert_allclose(landscape.point_val_loss[run][ends], history.val_loss, rtol=LOSS_TOL)


# ---------------------------------------------------------------------------------------------------------------
# The page


def test_page_draws_the_map_and_the_paths():
    from tests.support import figures, open_page

    at = open_page("app_pages/loss_surface.py", rows="500", s_epochs="3", s_lrs=["0.001", "0.01", "0.1"])
    figure = figures(at)[0]
    assert figure["data"][0]["type"] == "contour"
    assert [t["name"] for t in figure["data"][2:8:2]] == ["lr 0.001", "lr 0.01", "lr 0.1"]
    assert [t["name"] for t in figure["data"][8:14:2]] == ["lr 0.001 (training)", "lr 0.01 (training)",
                                                            "lr 0.1 (training)"]
    text = " ".join(m.value for m in at.markdown)
    assert "2-D slice through a space of 1,409 weights" in text and "of the paths' movement" in text
    # The other zoom comes from the same recording (no retraining): the whole map covers at least the zoomed one.
    at.toggle(key="s_zoom").set_value(False).run()
    assert not at.exception, [e.value for e in at.exception]
    whole = figures(at)[0]
    assert np.ptp(array(whole["data"][0], "x")) >= np.ptp(array(figure["data"][0], "x")) - 1e-9
    at.radio(key="s_sweep").set_value("batch_size").run()
    assert not at.exception, [e.value for e in at.exception]
    figure = figures(at)[0]
    assert figure["data"][2]["name"].startswith("batch ")


def test_presenter_rows_under_the_plot_do_not_touch(tiny_landscape):
    """The legend has a row of its own under the axis titles, and the replay's buttons and slider one under it: at
    least a legend line (18 px in presenter mode) apart, all inside the bottom margin, so plotly never moves them."""
    from dlviz.charts.landscape import surface_figure

    _, landscape = tiny_landscape
    for presenter in (True, False):
        layout = json.loads(surface_figure(landscape, ["a", "b", "c"], presenter=presenter).to_json())["layout"]
        plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        legend_px, controls_px = -layout["legend"]["y"] * plot_px, -layout["updatemenus"][0]["y"] * plot_px
        assert legend_px >= 56  # ticks and the axis title first (test_legibility's replay rule)
        assert controls_px - legend_px >= layout["legend"]["font"]["size"] + 18
        assert layout["margin"]["b"] - controls_px >= 1.6 * layout["legend"]["font"]["size"]  # the epoch and the rail
        (slider,) = layout["sliders"]
        assert slider["x"] >= 0.25 and -slider["y"] * plot_px == controls_px  # right of the buttons, same row
        assert slider["currentvalue"]["prefix"] == "epoch " and slider["steps"][-1]["label"] == "3"
