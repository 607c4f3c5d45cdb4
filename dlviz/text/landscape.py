"""Sentences of "Where the steps go", from a `Landscape`'s numbers: the plane (what the slice keeps and loses), each
run's path, what the runs show against each other (`compare_paths`), the straight-line view and the path table.
Distances are Euclidean norms of flat weight vectors (weight units), losses the lesson's binary cross-entropy.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from dlviz.analysis.landscape import HIGHER_BY, Landscape, LineProfile, PathComparison, compare_paths
from dlviz.text.format import format_loss, join_words


def format_distance(x: float, digits: int = 3) -> str:
    """A distance in weight space (or a loss difference) with `digits` significant digits, never in scientific
    notation: 0.00508, 1.33, 80.5, 466, 1,880."""
    x = float(x)
    if not np.isfinite(x):
        return format_loss(x)
    text = np.format_float_positional(x, precision=digits, unique=False, fractional=False, trim="-")
    return f"{float(text):,.0f}" if abs(x) >= 1000 else text


def epoch_label(epoch: float) -> str:
    """A recorded time as a slider or hover label: "0" (the start), "1 · 25%" (a point inside epoch 1, after that
    share of its updates), "3" (the end of epoch 3). Epochs are fractional counts of passes (updates / updates per
    epoch), as `Landscape.epochs` holds them."""
    whole, share = _split_epoch(epoch)
    return f"{whole}" if share is None else f"{whole} · {share:.0%}"


def epoch_phrase(epoch: float) -> str:
    """A recorded time inside a sentence: "at the start", "in epoch 1 (after 89% of it)", "at the end of epoch 3"."""
    whole, share = _split_epoch(epoch)
    if share is None:
        return "at the start" if whole == 0 else f"at the end of epoch {whole}"
    return f"in epoch {whole} (after {share:.0%} of it)"


def _split_epoch(epoch: float) -> tuple[int, float | None]:
    """(the epoch a time falls in, the share of it done, kept within 1%..99% so that a point never reads as "0%" or
    "100%"), or (n, None) at the end of epoch n (0: the start)."""
    epoch, whole = float(epoch), math.floor(epoch)
    return (round(epoch), None) if abs(epoch - round(epoch)) < 1e-6 else (whole + 1, min(max(epoch - whole, .01), .99))


def plane_sentence(landscape: Landscape, labels: Sequence[str], answers: bool = True) -> str:
    """What the map is: the slice, its centre (the best run's end), the share of the movement it captures, how far
    the points lie off it and what that does to the losses shown, the rows the loss is taken on. Without `answers`
    ("Hide the answers") only what describes the slice: not which run it is centred on, nor which diverged."""
    plane = landscape.plane
    fitted = list(plane.fitted_runs)
    residual = np.concatenate([landscape.residual[i] for i in fitted])
    gap = np.abs(np.concatenate([landscape.point_loss[i] - landscape.projected_loss[i] for i in fitted]))
    rows = (f"all {landscape.train_rows:,}" if landscape.loss_rows == landscape.train_rows
            else f"a fixed sample of {landscape.loss_rows:,} of the {landscape.train_rows:,}")
    left_out = [labels[i] for i in range(landscape.n_runs) if i not in fitted] if answers else []
    centre = (f", centred on the final weights of {labels[landscape.centre_run]} (the lowest training loss at the "
              f"end, this seed)" if answers else "")
    return (f"This map is a 2-D slice through a space of {plane.n_params:,} weights{centre}. Its two directions "
            f"capture {plane.explained[0]:.0%} and {plane.explained[1]:.0%} of the paths' movement "
            f"({plane.explained.sum():.0%} together)"
            + (f"; {', '.join(left_out)} diverged and did not shape it" if left_out else "") + ". "
            f"The recorded points lie on average {format_distance(residual.mean(), 2)} (at most "
            f"{format_distance(residual.max(), 2)}) off the slice; the map shows the loss where each point projects, "
            f"which differs from the loss at the point itself by up to {format_distance(gap.max(), 2)} (median "
            f"{format_distance(np.median(gap), 2)}). Loss is the training loss on {rows} training rows.")


def run_sentence(landscape: Landscape, run: int, label: str) -> str:
    """One run's path in numbers: how far it got, how straight, where it ended, whether it blew up or left the map."""
    s = landscape.stats[run]
    text = (f"**{label}** ended {format_distance(s.distance_from_start)} from its start after a path of "
            f"{format_distance(s.path_length)} (straightness {s.straightness:.0%}), at training loss "
            f"{format_loss(s.final_loss)}")
    if landscape.diverged[run]:
        text += f"; its loss blew up in epoch {landscape.diverged_at[run]}, so it did not shape the map"
    if s.left_map_at is not None:
        text += f"; it leaves the map {epoch_phrase(landscape.epochs[run][s.left_map_at])} (✕)"
    return text + "."


def _group_clause(kind: str, group: Sequence[PathComparison], labels: Sequence[str], centre: str) -> str:
    """One clause for the runs of one `compare_paths` kind: "**lr 0.0001** crawls: it gets only 10% as far ..."."""
    names, ends = join_words([f"**{labels[c.run]}**" for c in group]), join_words([format_loss(c.final_loss)
                                                                                   for c in group])
    factors = join_words([format_distance(c.distance_ratio, 2) for c in group])
    s, es, it = ("", "", "they") if len(group) > 1 else ("s", "es", "it")
    if kind == "short":
        shares = join_words([f"{c.distance_ratio:.0%}" for c in group])
        return (f"{names} crawl{s}: {it} get{s} only {shares} as far from the start as {centre} and end{s} higher, "
                f"at {ends}")
    if kind == "overshot":
        return f"{names} overshoot{s}: {it} go{es} {factors} times as far as {centre} yet end{s} higher, at {ends}"
    if kind == "diverged":
        return f"{names} blow{s} up (training loss at the end {ends})"
    return f"{names} go{es} {factors} times as far as {centre} and end{s} higher, at {ends}"


def comparison_sentence(landscape: Landscape, labels: Sequence[str]) -> str:
    """What the runs show against each other (`compare_paths`): the centre run heads into the valley if it ends
    clearly lowest (else which runs one seed cannot order against it), the others crawl or overshoot it, grouped by
    kind; then the straightest and the most winding path."""
    comparisons = compare_paths(landscape)
    centre = labels[landscape.centre_run]
    c = comparisons[landscape.centre_run]
    if landscape.n_runs == 1:
        return f"**{centre}** ends at training loss {format_loss(c.final_loss)}, down from {format_loss(c.start_loss)}."
    ties = [other for other in comparisons if other.kind == "tie"]
    if ties:
        close = join_words([f"**{labels[t.run]}** ({format_loss(t.final_loss)})" for t in ties])
        parts = [f"**{centre}** ends lowest at this seed ({format_loss(c.final_loss)}, down from "
                 f"{format_loss(c.start_loss)}), but {close} end{'' if len(ties) > 1 else 's'} within "
                 f"{HIGHER_BY:.0%} of it: one seed cannot tell which gets lower"]
    else:
        parts = [f"**{centre}** heads into the valley: it ends lowest of these runs, more than {HIGHER_BY:.0%} "
                 f"below the others, at training loss {format_loss(c.final_loss)}, down from "
                 f"{format_loss(c.start_loss)}"]
    parts += [_group_clause(kind, group, labels, centre) for kind in ("short", "between", "overshot", "diverged")
              if (group := [other for other in comparisons if other.kind == kind])]
    text = "; ".join(parts) + "."
    straightness = {i: s.straightness for i, s in enumerate(landscape.stats) if np.isfinite(s.straightness)}
    if len(straightness) >= 2:
        straight, winding = max(straightness, key=straightness.get), min(straightness, key=straightness.get)
        text += (f" The straightest path is {labels[straight]}'s ({straightness[straight]:.0%} of its length is "
                 f"progress from the start), the most winding {labels[winding]}'s ({straightness[winding]:.0%}).")
    return text


def line_sentence(line: LineProfile, label: str) -> str:
    """The straight-line view of one run (Goodfellow et al. 2015): downhill all the way, or a bump and its size."""
    return f"**{label}**: " + ("the training loss falls all along the line" if line.monotone else
                               f"the training loss climbs by up to {format_distance(line.rise)} on the way")


def path_table(landscape: Landscape, labels: Sequence[str]) -> dict[str, list[str]]:
    """The paths' numbers as table columns of text, one row per run."""
    stats = landscape.stats
    return {
        "value": list(labels),
        "distance from start": [format_distance(s.distance_from_start) for s in stats],
        "path length": [format_distance(s.path_length) for s in stats],
        "straightness": [f"{s.straightness:.0%}" for s in stats],
        "training loss at the end": [format_loss(s.final_loss) for s in stats],
        "largest distance from the slice": [format_distance(s.max_residual, 2) for s in stats],
    }


PATH_TABLE_NOTE = ("Distances are Euclidean norms of the change in all weights. Path length adds up the straight "
                   "steps between recorded points (at the start, 8 points in epoch 1, then every epoch), so it is a "
                   "lower bound; straightness is distance / path length (100% = a straight walk).")

LINE_VIEW_INTRO = ("Goodfellow, Vinyals and Saxe (2015): the loss on the straight line between the starting weights "
                   "(0) and a run's final weights (1). If it falls all the way, the path's detours were not needed to "
                   "get there; a bump means the straight line crosses a ridge the path went around.")
