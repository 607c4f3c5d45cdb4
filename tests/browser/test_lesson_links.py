"""Issue 26, item 5: Home's lesson path opens each page in "Predict first" mode when a person clicks it, also after
visiting other pages and switching the mode off there (Streamlit's binding lets the session's toggle win over the
link's `predict=true` unless dlviz follows the link)."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import (SMALL, click_and_settle, open_page_in_nav, query, toggle_value, wait_settled)

pytestmark = pytest.mark.browser

PREDICT = "Predict first"


def _lesson_link(page, number: int):
    return page.get_by_test_id("stPageLink").get_by_role("link", name=re.compile(rf"^.*{number}\. "))


def _opens_in_predict_mode(page) -> None:
    heading = page.get_by_test_id("stMain").get_by_role("heading", name=PREDICT)
    heading.wait_for()
    assert toggle_value(page, PREDICT)
    assert query(page).get("predict") == ["true"]


def test_the_lesson_links_open_pages_in_predict_first_mode_by_clicking(new_page, server):
    page = new_page(f"/learning_rate?lr_epochs=2&lrs=0.01&{SMALL}")  # a visit to another page first
    assert not toggle_value(page, PREDICT)
    open_page_in_nav(page, "Home")
    _lesson_link(page, 1).click()
    _opens_in_predict_mode(page)
    wait_settled(page)
    # Switched off on a page, then the next question of the path from Home: on again, as the link says.
    click_and_settle(page, page.get_by_test_id("stSidebar").get_by_text(PREDICT, exact=True), charts=1)
    assert not toggle_value(page, PREDICT)
    open_page_in_nav(page, "Home")
    _lesson_link(page, 4).click()
    _opens_in_predict_mode(page)
    # Following the link set the toggle from code: the server's log stays free of Streamlit's warning about a widget
    # given a default and a value at once (item 9).
    assert "created with a default value" not in server.log.read_text()
