""""Where the steps go" in presenter mode with "Hide the answers" (`?present=1&hide=1`), through AppTest at the
page's shipped default view (lr 0.0001 .. 1, 20 epochs: no training): the map, the paths and the curves plainly, the
slice described, and no sentence, table, mark, legend entry or hover that states a finding until "Reveal the
answers"; then they are all back. Also: Predict first has no questions here, and the page says so."""

from __future__ import annotations

from tests.support import figures, open_page
from tests.support.pages import HIDDEN, page_text

PAGE = "app_pages/loss_surface.py"
# What states a finding on this page: the best run (the centre), the runs that blew up or left the map, the
# comparison, the per-run results, the table of distances and losses, the straight-line verdicts.
FINDING_WORDS = ("lowest training loss", "heads into the valley", "ends lowest", "diverged", "blew up", "blow up",
                 "leaves the map", "✕", "crawl", "overshoot", "straightest", "training loss at the end",
                 "distance from start", "falls all along the line", "climbs by up to")


def marks_on(figure: dict) -> list[str]:
    """The map's findings: the centre's star (the best run's end), ✕ heads, and names or hovers that state one."""
    found = []
    for trace in figure["data"]:
        marker = trace.get("marker") or {}
        if marker.get("symbol") in ("star", "x") and trace.get("x"):
            found.append(f"{marker['symbol']} on {trace.get('name')}")
        for text in (trace.get("name") or "", trace.get("hovertemplate") or ""):
            found += [word for word in ("centre:", "left the map", "best", "lowest") if word in text]
    for frame in figure.get("frames", []):
        for trace in frame["data"]:
            if (trace.get("marker") or {}).get("symbol") == "x":
                found.append(f"✕ in frame {frame['name']}")
            if "left the map" in (trace.get("name") or ""):
                found.append(f"left the map in frame {frame['name']}")
    return found


def test_hidden_answers_show_the_map_and_paths_plainly_until_revealed():
    at = open_page(PAGE, **HIDDEN)
    surface, line = figures(at)
    assert surface["data"][0]["type"] == "contour"
    assert [t["name"] for t in surface["data"][2:12:2]] == ["lr 0.0001", "lr 0.001", "lr 0.01", "lr 0.1", "lr 1"]
    assert not marks_on(surface), marks_on(surface)
    assert len(line["data"]) == 10  # the straight-line curves stay
    text = page_text(at)
    assert "The answers are hidden" in text
    assert not [w for w in FINDING_WORDS if w in text], [w for w in FINDING_WORDS if w in text]
    assert "a 2-D slice through a space of 1,409 weights. Its two directions capture" in text  # descriptive: stays
    assert not at.main.table

    at.button(key="reveal_hide").click().run()
    assert not at.exception, [e.value for e in at.exception]
    surface = figures(at)[0]
    assert any(m.startswith("star") for m in marks_on(surface))  # the best run's end is marked again
    assert any(m.startswith("x ") for m in marks_on(surface))  # lr 1 blows up off the map: its ✕ is back
    text = page_text(at)
    assert "The answers are hidden" not in text
    assert "lowest training loss" in text and "blew up" in text and "training loss at the end" in text
    assert len(at.main.table) == 1


def test_answers_are_shown_outside_presenter_mode_even_with_hide_in_the_link():
    at = open_page(PAGE, hide="1")
    assert marks_on(figures(at)[0]) and "The answers are hidden" not in page_text(at)


def test_predict_first_says_it_asks_on_the_sweep_pages():
    at = open_page(PAGE, predict="1")
    assert "Predict first asks its questions on the four sweep pages" in page_text(at)
    assert "Predict first" not in page_text(open_page(PAGE))
