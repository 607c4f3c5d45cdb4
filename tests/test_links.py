"""Issue 26, item 6: a link's values. Every notice says what the page did with the value, every value the page cannot
use gets one, numbers in notices are readable, and the address bar reopens the view it shows."""

from __future__ import annotations

import re

import pytest

from dlviz import settings
from tests.support import notices, open_page

SMALL = {"rows": "500", "seeds": "1"}


def _all(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_a_non_integer_epoch_count_is_refused_and_the_page_does_what_its_notice_says():
    at = open_page("app_pages/epochs.py", epochs="12.5", stop="3", **SMALL)
    assert "Ignored `epochs=12.5`" in notices(at) and "back at its default (100)" in notices(at)
    assert at.slider(key="epochs").value == 100  # (Streamlit's binding alone would use 12)


@pytest.mark.parametrize("raw, shown", [(["1e-2"], [0.01]), (["1e-2", "0.1"], [0.01, 0.1]), (["0.010"], [0.01])])
def test_a_learning_rate_written_another_way_is_that_learning_rate(raw, shown):
    at = open_page("app_pages/learning_rate.py", lrs=raw, lr_epochs="2", **SMALL)
    assert at.multiselect(key="lrs").value == shown
    assert "lrs" not in notices(at)
    assert _all(at.query_params["lrs"]) == [settings.LEARNING_RATES.format(v) for v in shown]


def test_a_batch_size_written_as_a_decimal_is_that_batch_size():
    at = open_page("app_pages/batch_size.py", batches=["8.0", "64"], b_epochs="1", **SMALL)
    assert at.multiselect(key="batches").value == [8, 64]
    assert "batches" not in notices(at)


def test_an_empty_list_gets_a_notice_and_the_default_it_names():
    at = open_page("app_pages/learning_rate.py", lrs="", lr_epochs="1", **SMALL)
    assert "Ignored `lrs=` from the link: it is empty." in notices(at)
    assert "back at its default (0.0001, 0.001, 0.01, 0.1, 1)" in notices(at)
    assert at.multiselect(key="lrs").value == list(settings.LEARNING_RATES.default)


@pytest.mark.parametrize("raw", ["1e308", "-1e300", "123456789"])
def test_a_huge_number_is_named_readably(raw):
    with pytest.raises(settings.LinkError) as caught:
        settings.EPOCHS.parse([raw])
    assert str(caught.value) in ("it is a number far outside 1 to 300",)
    assert not re.search(r"\d{7}", str(caught.value))


def test_a_key_no_setting_has_gets_a_notice_with_the_nearest_key():
    at = open_page("app_pages/epochs.py", presenter="on", epochs="2", **SMALL)
    assert "Ignored `presenter=` from the link: dlviz has no setting `presenter` (did you mean `present`?)." \
        in notices(at)
    assert notices(at).count("Ignored") == 1  # the page's own keys and the sidebar's are known


def test_a_notice_never_prints_none_for_a_control_without_a_fixed_default():
    at = open_page("app_pages/interplay.py", g_cb="7", g_batches=["64"], g_lrs=["0.01"], g_epochs="1", **SMALL)
    assert "Ignored `g_cb=7`" in notices(at) and "None" not in notices(at)


def test_the_address_bar_reopens_the_grid_cell_view():
    link = dict(g_look="cell", g_batches=["64"], g_lrs=["0.01", "0.1"], g_epochs="1", **SMALL)
    at = open_page("app_pages/interplay.py", **link)
    assert at.radio(key="g_look").value == "cell"
    copied = dict(at.query_params)  # what a copy of the address bar holds
    assert copied["g_look"] == settings.GRID_LOOK.format("cell")
    again = open_page("app_pages/interplay.py", **copied)
    assert again.radio(key="g_look").value == "cell"


def test_a_link_clicked_on_another_page_opens_its_page_in_predict_first_mode():
    """Item 5 in AppTest: Home's lesson link (`st.page_link(query_params=...)`) moves the session to a page with
    `predict=true`; the sidebar's toggle, already drawn on Home, must follow the link, not keep its value."""
    at = open_page(None, **SMALL)
    assert at.sidebar.toggle(key="predict").value is False
    at.query_params.update({"predict": "true", "epochs": "3"})
    at.switch_page("app_pages/epochs.py").run()
    assert not at.exception
    assert at.sidebar.toggle(key="predict").value is True
    assert "Predict first" in [s.value for s in at.subheader]


def test_a_stop_beyond_the_run_is_clamped_with_a_note():
    at = open_page("app_pages/epochs.py", epochs="10", stop="300", rows="500", seeds="1")
    assert at.slider(key="stop").value == 10
    assert any("300 is outside 1 to 10 here, so “Stop after epoch E” is 10." in c.value for c in at.caption)

def test_a_refused_stop_says_what_the_page_did():
    at = open_page("app_pages/epochs.py", epochs="10", stop="500", rows="500", seeds="1")
    said = " ".join(m.value for m in list(at.warning) + list(at.info) + list(at.caption) + list(at.markdown))
    assert "back at its default (the run's last epoch)" in said and at.slider(key="stop").value == 10
