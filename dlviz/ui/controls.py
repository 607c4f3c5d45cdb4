"""Controls drawn from `dlviz.settings`, bound to the URL by Streamlit's `bind="query-params"`, which drops a link's
value it cannot use without a word: `check_link` reads the link first and leaves a notice for each."""

from __future__ import annotations

import difflib
from typing import Any, Iterable

import streamlit as st

from dlviz.settings import LinkError, Setting

_NOTICES = "dlviz_link_notices"
_CHECKED = "dlviz_link_checked"


def check_link(settings: Iterable[Setting], *, every: bool = False) -> None:
    """Once per session and setting: read `?key=` from the URL, leave a notice for every value the page cannot use
    (not a number, infinite, out of range, repeated for a single value, not offered, an empty list), and rewrite the
    URL's value before the widget reads it: a refused value leaves the URL (the control takes its default, as the
    notice says), an accepted one is written in the binding's own spelling (`1e-2` as 0.01, `8.0` as 8, `g_look=cell`
    as its label), then runs the page again (Streamlit's binding reads the URL a run starts with), so that the binding
    uses exactly what the notice says and the address bar round-trips the view it shows. With `every` (the settings
    of all pages), a key that names none of them gets a notice too, with the nearest key (`difflib`)."""
    checked = st.session_state.setdefault(_CHECKED, set())
    notices = st.session_state.setdefault(_NOTICES, [])
    rewritten = False
    settings = list(settings)
    keys = [setting.key for setting in settings]
    for key in [k for k in st.query_params if every and k not in keys and k not in checked
                and not k.startswith("embed")]:  # (embed, embed_options: Streamlit's own)
        checked.add(key)
        near = difflib.get_close_matches(key, keys, n=1)
        notices.append(f"Ignored `{key}=` from the link: dlviz has no setting `{key}`"
                       + (f" (did you mean `{near[0]}`?)." if near else "."))
    for setting in settings:
        if setting.key in checked:
            continue
        checked.add(setting.key)
        raw = st.query_params.get_all(setting.key)
        if not raw:
            continue
        multi, values, refused = setting.widget == "multiselect", [], []
        for texts in [[text] for text in raw] if multi else [raw]:  # a list's values one by one
            try:
                values += setting.parse(texts) if multi else [setting.parse(texts)]
            except LinkError as exc:
                refused.append(("&".join(texts), exc))
        values = list(dict.fromkeys(values))
        if refused:
            default = ("" if setting.default is None else
                       f" ({setting.default_note or _shown(setting, setting.default)})")
            what = (f"“{setting.label}” keeps the link's other values ({_shown(setting, values)})." if values
                    else f"“{setting.label}” is back at its default{default}.")
            notices.append(f"Ignored {', '.join(f'`{setting.key}={_shorten(text)}`' for text, _ in refused)} from "
                           f"the link: {refused[0][1]}. {what}")
        elif len(values) < len(raw) and multi:
            notices.append(f"The link repeats a value of `{setting.key}`; each value is used once.")
        bound = [url_text(setting, v) for v in values]
        if bound != raw:
            rewritten = True
            if not values:
                del st.query_params[setting.key]
            else:
                st.query_params[setting.key] = bound if multi else bound[0]
    if rewritten:  # the binding reads the URL the run started with: start again from the rewritten one
        st.rerun()


def follow_link(settings: Iterable[Setting]) -> None:
    """On arrival from another page by a link with values (Home's lesson path: `st.page_link(query_params=...)`):
    each usable value of the link goes to the session. Streamlit's binding lets a value the session already holds
    (a sidebar toggle drawn on the page before) win over the URL's, so a click would otherwise drop `predict=true`
    that a pasted link keeps."""
    for setting in settings:
        raw = st.query_params.get_all(setting.key)
        if not raw or setting.key not in st.session_state:
            continue  # (a widget the session has not drawn yet takes the link's value from the binding)
        try:
            linked = setting.parse(raw)
        except LinkError:
            continue
        if st.session_state[setting.key] != linked:
            st.session_state[setting.key] = linked


def url_text(setting: Setting, value: Any) -> str:
    """How Streamlit's binding spells `value` in the URL (and reads it from a link, also when the session already
    has the control): a choice by its label ("weight updates", not "updates"), a toggle as true/false."""
    if setting.widget == "toggle":
        return "true" if value else "false"
    if setting.widget == "slider":
        return str(int(value))
    return setting.format(value)


def _shorten(text: str) -> str:
    return text if len(text) <= 24 else text[:20] + "…"


def _shown(setting: Setting, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(setting.format(v) for v in value)
    if setting.widget == "toggle":
        return "on" if value else "off"
    return setting.format(value)


def add_notice(text: str) -> None:
    """A short notice shown with the page's link notices on this run."""
    st.session_state.setdefault(_NOTICES, []).append(text)


def show_notices() -> None:
    """Show (once) every notice left by `check_link` or `add_notice`."""
    for notice in st.session_state.pop(_NOTICES, []):
        st.warning(notice, icon=":material/link:")


def _initial(setting: Setting) -> Any:
    return list(setting.default) if isinstance(setting.default, tuple) else setting.default


def set_value(setting: Setting, value: Any) -> None:
    """Change a control's value from code (before it is drawn in this run, or in a callback)."""
    st.session_state[setting.key] = value


def value(setting: Setting) -> Any:
    """The control's current value, also before it is drawn in this session: then the link's (when usable) or the
    default."""
    if setting.key in st.session_state:
        return st.session_state[setting.key]
    raw = st.query_params.get_all(setting.key)
    if raw:
        try:
            return setting.parse(raw)
        except LinkError:
            pass
    return _initial(setting)


def draw(setting: Setting, where: Any = None, **options: Any) -> Any:
    """Draw `setting`'s widget in `where` (a column, the sidebar; default: the page), bound to the URL, its value
    kept for the session. `options` override the table (e.g. `high=` for a slider whose end depends on another
    control, `disabled=`). Returns the widget's value.

    The widget is always given the setting's default (`value=`, `default=` or `index=`), also when the session holds
    its value: Streamlit's binding leaves a value out of the URL when it equals the widget's default, and a widget
    drawn without one takes its own (a slider's lowest value, a multiselect's empty list, a radio's first choice),
    so a link would lose exactly those values. Where the session's value was set from code in this run, Streamlit
    uses it and logs that both were given (`global.disableWidgetStateDuplicationWarning` in .streamlit/config.toml
    turns the log line off)."""
    where = where if where is not None else st
    low, high = options.pop("low", setting.low), options.pop("high", setting.high)
    common = dict(key=setting.key, help=setting.help or None, bind="query-params", persist_state="session")
    common.update(options)
    kind = setting.widget
    if kind == "slider":
        # A value outside a range that depends on another control (the stop epoch) is clamped into it, so that the
        # slider shows the value the run uses.
        def clamp(value: Any) -> int:
            return min(max(int(value), int(low)), int(high))

        asked = value(setting) if setting.key in st.session_state or setting.key in st.query_params else None
        if setting.key in st.session_state and st.session_state[setting.key] != clamp(st.session_state[setting.key]):
            st.session_state[setting.key] = clamp(st.session_state[setting.key])
        common.setdefault("value", clamp(_initial(setting)))
        chosen = where.slider(setting.label, int(low), int(high), step=setting.step or 1, **common)
        if asked is not None and int(asked) != clamp(asked):  # say what the page did with it
            where.caption(f"{int(asked):,} is outside {int(low):,} to {int(high):,} here, so “{setting.label}” is "
                          f"{chosen:,}.")
        return chosen
    if kind in ("toggle", "select_slider"):
        common.setdefault("value", _initial(setting))
        if kind == "toggle":
            return where.toggle(setting.label, **common)
        return where.select_slider(setting.label, setting.choices, format_func=setting.format, **common)
    if kind == "multiselect":
        common.setdefault("default", _initial(setting))
        return where.multiselect(setting.label, setting.choices, format_func=setting.format, **common)
    choices = tuple(common.pop("choices", setting.choices))
    default = common.pop("default", _initial(setting))
    if default not in choices:
        default = choices[0]
    if setting.key in st.session_state and st.session_state[setting.key] not in choices:
        st.session_state[setting.key] = default  # e.g. a grid cell that the grid no longer has
    common["index"] = choices.index(default)
    if kind == "radio":
        common.setdefault("horizontal", True)
        return where.radio(setting.label, choices, format_func=setting.format, **common)
    if kind == "selectbox":
        return where.selectbox(setting.label, choices, format_func=setting.format, **common)
    raise ValueError(f"unknown widget {kind!r} for {setting.key}")
