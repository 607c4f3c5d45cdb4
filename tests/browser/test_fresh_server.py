"""The first visitor after a server start who opens a page's own link gets the real app (runs first: conftest).

Streamlit decides once per process, at the first script run, whether it is in its legacy mode that runs every file
of a `pages/` folder beside the entry point as a page of its own. dlviz keeps its page files in `app_pages/`, a
folder that mode never looks at, so a first visit at `/learning_rate` runs `streamlit_app.py` with its navigation
and shared sidebar: this is what the visitor must see."""

from __future__ import annotations

import pytest

from dlviz import settings
from tests.support.browser import SMALL, multiselect_values, query, slider_value, toggle_value

pytestmark = pytest.mark.browser


def test_a_page_link_opened_first_on_a_fresh_server_gets_the_real_app(new_page, server):
    assert server.visited == [], "this test must be the server's first visitor (conftest orders it first)"
    page = new_page(f"/learning_rate?lr_epochs=3&lrs=0.01&lrs=0.1&{SMALL}")
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_role("switch", name="Presenter mode").count() == 1, "no shared sidebar"
    assert not toggle_value(page, "Presenter mode")
    nav = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
    assert [" ".join(n.split()[1:]) for n in nav] == [p.title for p in settings.PAGES], nav
    assert page.get_by_test_id("stMain").locator("h1").first.inner_text().startswith("Learning rate")
    # The link's values, in the page's controls and the sidebar's.
    assert multiselect_values(page, "Learning rates (log scale)") == ["0.01", "0.1"]
    assert slider_value(page, "Epochs") == "3"
    assert slider_value(page, "Rows used") == "500"
    assert slider_value(page, "Seeds per value") == "1"
    assert "500 rows" in sidebar.inner_text()
    # The address bar still reproduces the view (a person copies it to share it).
    shown = query(page)
    assert shown.get("lrs") == ["0.01", "0.1"] and shown.get("lr_epochs") == ["3"], shown
