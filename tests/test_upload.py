"""The sidebar's upload through AppTest: a bad file after a good one keeps the good data and its controls."""

from __future__ import annotations

from dlviz.data import practice_frame
from tests.support import open_page

# A page that draws the sidebar itself (AppTest reruns a page's own file) and trains little: two epochs, one seed.
PAGE = "app_pages/epochs.py"
SMALL = {"epochs": "2", "rows": "500", "seeds": "1"}


def _good_csv(rows: int = 600) -> bytes:
    return practice_frame(rows).to_csv(index=False).encode()


def _sidebar_text(at) -> str:
    return " ".join(e.value for kind in ("caption", "info", "error", "markdown") for e in getattr(at.sidebar, kind))


def _open_upload():
    """The app with "Upload your own CSV" chosen in the sidebar (a link cannot choose it: it carries no file)."""
    at = open_page(PAGE, **SMALL)
    at.sidebar.radio(key="data").set_value("upload").run()
    assert not at.exception
    return at


def _upload(at, name: str, content: bytes):
    at.file_uploader(key="upload").set_value((name, content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _target_box(at):
    return [box for box in at.sidebar.selectbox if box.label.startswith("Target column")]


def test_a_bad_upload_keeps_the_good_files_target_and_rows_controls_working():
    at = _open_upload()
    _upload(at, "good.csv", _good_csv())
    (target,) = _target_box(at)
    assert target.value == "target"
    rows = next(s for s in at.sidebar.select_slider if s.label == "Rows used")
    rows.set_value(500).run()
    assert "500 rows" in _sidebar_text(at)

    _upload(at, "bad.csv", b'{"x1": [1, 2, 3], "target": [0, 1, 0]}\n')
    text = _sidebar_text(at)
    assert "bad.csv" in " ".join(e.value for e in at.sidebar.error)  # the clear error ...
    assert "Still showing: **good.csv**" in text and "500 rows" in text  # ... and the good data, as it was set
    (target,) = _target_box(at)  # its controls stay, with their values
    assert target.value == "target"
    rows = next(s for s in at.sidebar.select_slider if s.label == "Rows used")
    assert rows.value == 500
    rows.set_value("all").run()  # ... and still work on the kept data
    assert not at.exception
    assert "600 rows" in _sidebar_text(at) and "bad.csv" in " ".join(e.value for e in at.sidebar.error)


def test_a_file_with_no_two_class_column_keeps_the_good_files_controls():
    at = _open_upload()
    _upload(at, "good.csv", _good_csv())
    _upload(at, "one_class.csv", b"a,b\n1,1\n2,1\n3,1\n")
    assert "nothing to predict" in " ".join(e.value for e in at.sidebar.error)
    assert len(_target_box(at)) == 1 and "Still showing: **good.csv**" in _sidebar_text(at)


def test_no_kept_controls_before_any_good_upload():
    at = _open_upload()
    _upload(at, "bad.csv", b'{"x1": [1, 2, 3]}\n')
    assert not _target_box(at) and at.sidebar.error


def test_an_emptied_uploader_keeps_the_last_files_controls():
    at = _open_upload()
    _upload(at, "good.csv", _good_csv())
    at.file_uploader(key="upload").clear().run()
    assert not at.exception
    assert len(_target_box(at)) == 1 and "Still showing: **good.csv**" in _sidebar_text(at)
