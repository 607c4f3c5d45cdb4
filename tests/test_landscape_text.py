"""The sentences of "Where the steps go" (dlviz.text.landscape) and the comparison they are written from
(analysis.landscape.compare_paths), on a Landscape built from constructed numbers (no training)."""

from __future__ import annotations

import numpy as np

from dlviz.analysis.landscape import Landscape, LineProfile, PathStats, compare_paths
from dlviz.analysis.plane import Plane
from dlviz.text import landscape as words

LABELS = ["lr 0.0001", "lr 0.01", "lr 1"]


def constructed(distances=(1.0, 10.0, 40.0), lengths=(1.1, 25.0, 160.0), finals=(0.55, 0.31, 0.69),
                diverged=(False, False, False), left_map_at=(None, None, 2), start_loss=0.69,
                centre_run=1) -> Landscape:
    """Runs of 4 recorded points (epochs 0, 0.5, 1, 2) on a plane of 100 weights, centred on `centre_run`."""
    n = len(distances)
    epochs = np.array([0.0, 0.5, 1.0, 2.0])
    stats = tuple(PathStats(path_length=length, distance_from_start=d, final_loss=f, max_residual=0.5,
                            left_map_at=left)
                  for d, length, f, left in zip(distances, lengths, finals, left_map_at))
    point_loss = tuple(np.array([start_loss, 0.6, 0.5, f]) for f in finals)
    directions = np.zeros((2, 100))
    directions[0, 0] = directions[1, 1] = 1.0
    plane = Plane(centre=np.zeros(100), directions=directions, explained=np.array([0.7, 0.2]),
                  fitted_runs=tuple(i for i in range(n) if not diverged[i]))
    alphas = np.linspace(0, 1, 3)
    lines = (LineProfile(alphas, np.array([0.69, 0.6, 0.55]), alphas),  # rise 0
             LineProfile(alphas, np.array([0.69, 0.8, 0.3]), alphas),  # rise 0.11
             LineProfile(alphas, np.array([0.69, 0.7, 0.69]), alphas))  # rise 0.01
    return Landscape(
        plane=plane, centre_run=centre_run, axis_a=np.linspace(-1, 1, 5), axis_b=np.linspace(-1, 1, 5),
        grid_loss=np.full((5, 5), 0.5), coords=tuple(np.zeros((4, 2)) for _ in range(n)),
        residual=tuple(np.array([0.0, 0.1, 0.2, 0.3]) for _ in range(n)), point_loss=point_loss,
        projected_loss=tuple(p + 0.01 for p in point_loss), updates=tuple(np.array([0, 5, 10, 20]) for _ in range(n)),
        epochs=tuple(epochs for _ in range(n)), stats=stats, lines=lines[:n], loss_rows=2_560, train_rows=2_560,
        diverged_at=tuple(1 if d else None for d in diverged), point_val_loss=tuple(p + 0.02 for p in point_loss))


def test_compare_paths_calls_crawl_and_overshoot_from_distances_and_losses():
    kinds = [c.kind for c in compare_paths(constructed())]
    assert kinds == ["short", "centre", "overshot"]
    first = compare_paths(constructed())[0]
    assert first.distance_ratio == 0.1 and first.start_loss == 0.69 and first.final_loss == 0.55
    # Within HIGHER_BY (25%) of the centre's loss: one seed cannot order them, whatever the distance.
    assert compare_paths(constructed(finals=(0.55, 0.31, 0.38)))[2].kind == "tie"
    assert compare_paths(constructed(finals=(0.55, 0.31, 0.40)))[2].kind == "overshot"
    # Higher, at a distance between a third and twice the centre's.
    assert compare_paths(constructed(distances=(4.0, 10.0, 40.0)))[0].kind == "between"
    assert compare_paths(constructed(diverged=(False, False, True)))[2].kind == "diverged"


def test_comparison_sentence_says_what_the_numbers_show():
    text = words.comparison_sentence(constructed(), LABELS)
    assert text.startswith("**lr 0.01** heads into the valley: it ends lowest of these runs, more than 25% below the "
                           "others, at training loss 0.310, down from 0.690")
    assert "**lr 0.0001** crawls: it gets only 10% as far from the start as lr 0.01 and ends higher, at 0.550" in text
    assert "**lr 1** overshoots: it goes 4 times as far as lr 0.01 yet ends higher, at 0.690" in text
    assert "The straightest path is lr 0.0001's (91%" in text and "the most winding lr 1's (25%)" in text


def test_comparison_sentence_calls_a_tie_and_names_no_valley():
    text = words.comparison_sentence(constructed(finals=(0.55, 0.31, 0.36)), LABELS)
    assert text.startswith("**lr 0.01** ends lowest at this seed (0.310, down from 0.690), but **lr 1** (0.360) ends "
                           "within 25% of it: one seed cannot tell which gets lower")
    assert "valley" not in text and "overshoot" not in text


def test_comparison_sentence_groups_runs_of_one_kind():
    landscape = constructed(distances=(1.0, 2.0, 10.0), lengths=(1.1, 2.5, 25.0), finals=(0.6, 0.5, 0.3),
                            centre_run=2)
    text = words.comparison_sentence(landscape, LABELS)
    assert ("**lr 0.0001** and **lr 0.01** crawl: they get only 10% and 20% as far from the start as lr 1 and end "
            "higher, at 0.600 and 0.500") in text


def test_plane_sentence_states_the_slice_and_its_loss():
    text = words.plane_sentence(constructed(), LABELS)
    assert "a 2-D slice through a space of 100 weights, centred on the final weights of lr 0.01" in text
    assert "capture 70% and 20% of the paths' movement (90% together)" in text
    assert "on average 0.15 (at most 0.3) off the slice" in text
    assert "by up to 0.01 (median 0.01)" in text and "on all 2,560 training rows" in text
    diverged = words.plane_sentence(constructed(diverged=(False, False, True)), LABELS)
    assert "; lr 1 diverged and did not shape it." in diverged
    # With the answers hidden, only what describes the slice: not which run is best, nor which diverged.
    hidden = words.plane_sentence(constructed(diverged=(False, False, True)), LABELS, answers=False)
    assert hidden.startswith("This map is a 2-D slice through a space of 100 weights. Its two directions capture")
    assert "lr " not in hidden and "lowest" not in hidden and "diverged" not in hidden


def test_points_inside_epoch_1_read_as_a_share_of_it():
    # Recorded times are fractional epochs (updates / updates per epoch): 0.887 is 227 of 256 updates of epoch 1.
    assert [words.epoch_label(e) for e in (0.0, 0.113, 0.225, 0.887, 1.0, 3.0)] == [
        "0", "1 · 11%", "1 · 22%", "1 · 89%", "1", "3"]
    assert words.epoch_phrase(0.887) == "in epoch 1 (after 89% of it)"
    assert words.epoch_phrase(2.0) == "at the end of epoch 2" and words.epoch_phrase(0.0) == "at the start"
    assert words.epoch_label(0.999) == "1 · 99%" and words.epoch_label(1.5) == "2 · 50%"


def test_run_sentence_numbers_and_marks():
    landscape = constructed(diverged=(False, False, True))
    assert words.run_sentence(landscape, 0, "lr 0.0001") == (
        "**lr 0.0001** ended 1 from its start after a path of 1.1 (straightness 91%), at training loss 0.550.")
    assert words.run_sentence(landscape, 2, "lr 1") == (
        "**lr 1** ended 40 from its start after a path of 160 (straightness 25%), at training loss 0.690; its loss "
        "blew up in epoch 1, so it did not shape the map; it leaves the map at the end of epoch 1 (✕).")


def test_line_sentences_and_table():
    landscape = constructed()
    assert words.line_sentence(landscape.lines[0], "a") == "**a**: the training loss falls all along the line"
    assert words.line_sentence(landscape.lines[1], "b") == "**b**: the training loss climbs by up to 0.11 on the way"
    table = words.path_table(landscape, LABELS)
    assert table["value"] == LABELS and table["straightness"] == ["91%", "40%", "25%"]
    assert table["training loss at the end"] == ["0.550", "0.310", "0.690"]


def test_one_run_has_nothing_to_compare():
    landscape = constructed(distances=(10.0,), lengths=(25.0,), finals=(0.31,), diverged=(False,),
                            left_map_at=(None,), centre_run=0)
    assert words.comparison_sentence(landscape, ["lr 0.01"]) == (
        "**lr 0.01** ends at training loss 0.310, down from 0.690.")
