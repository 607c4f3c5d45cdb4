"""The guard around Streamlit's legacy pages/ mode (`dlviz.ui.sidebar.leave_legacy_pages_mode`) cannot break a page
when Streamlit changes: without the module, the class or the attribute it does nothing and says so."""

from __future__ import annotations

import sys
import types

from dlviz.ui import sidebar


def test_a_streamlit_without_the_module_leaves_it_alone(monkeypatch):
    monkeypatch.setattr(sidebar, "_LEGACY_MODULE", "dlviz_no_such_module")
    assert sidebar.leave_legacy_pages_mode() is False


def test_a_streamlit_without_the_class_or_the_attribute_leaves_it_alone(monkeypatch):
    empty = types.ModuleType("dlviz_fake_pages_manager")
    monkeypatch.setitem(sys.modules, empty.__name__, empty)
    monkeypatch.setattr(sidebar, "_LEGACY_MODULE", empty.__name__)
    assert sidebar.leave_legacy_pages_mode() is False  # no class
    setattr(empty, sidebar._LEGACY_CLASS, type("Owner", (), {}))
    assert sidebar.leave_legacy_pages_mode() is False  # no attribute
    assert not hasattr(getattr(empty, sidebar._LEGACY_CLASS), sidebar._LEGACY_FLAG)  # and none was made up


def test_the_legacy_mode_is_switched_off_where_it_is_on(monkeypatch):
    fake = types.ModuleType("dlviz_fake_pages_manager_on")
    owner = type("Owner", (), {sidebar._LEGACY_FLAG: True})
    setattr(fake, sidebar._LEGACY_CLASS, owner)
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setattr(sidebar, "_LEGACY_MODULE", fake.__name__)
    assert sidebar.leave_legacy_pages_mode() is True
    assert getattr(owner, sidebar._LEGACY_FLAG) is False
    assert sidebar.leave_legacy_pages_mode() is False  # once off, nothing more to do
