"""A resource hint for the browser: start loading the chart code with the page itself.

Streamlit's frontend fetches plotly (one 4.7 MB JavaScript module) only once a page has sent its first chart, about a
second after the request on a small machine, and then spends about another second compiling it. An HTTP `Link`
header with `rel=modulepreload` on the HTML of a chart page lets the browser fetch and compile that module while it
boots the app, so it is ready when the first chart arrives.

Pure ASGI (no Streamlit import): `streamlit_app.py` adds `middleware(...)` to its `st.App`. If the module cannot be
found (a Streamlit release that names it differently), there is no hint and nothing else changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

CHART_MODULE_GLOB = "static/js/PlotlyChart.*.js"  # in Streamlit's static folder; the hash changes per release

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]


def chart_module(static_dir: Path) -> str | None:
    """The path of the chart module under Streamlit's static folder ("static/js/PlotlyChart.<hash>.js"), if there is
    exactly one."""
    found = sorted(static_dir.glob(CHART_MODULE_GLOB))
    return found[0].relative_to(static_dir).as_posix() if len(found) == 1 else None


def link_header(module: str, base_url: str = "") -> bytes:
    """The `Link` header value that preloads `module`, under the server's base URL path (`server.baseUrlPath`)."""
    base = "/" + "/".join(part for part in base_url.split("/") if part)
    return f"<{base.rstrip('/')}/{module}>; rel=modulepreload".encode()


class ModulePreload:
    """ASGI middleware: add `Link: <module>; rel=modulepreload` to the HTML answer of a GET for one of `paths`."""

    def __init__(self, app, paths: Iterable[str], link: bytes) -> None:
        self.app = app
        self.paths = frozenset("/" + p.strip("/") for p in paths)
        self.link = link

    async def __call__(self, scope: Message, receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "GET"
                or "/" + scope.get("path", "").strip("/") not in self.paths):
            await self.app(scope, receive, send)
            return

        async def send_with_link(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    message = {**message, "headers": headers + [(b"link", self.link)]}
            await send(message)

        await self.app(scope, receive, send_with_link)


def middleware(static_dir: Path, paths: Iterable[str], base_url: str = "") -> list:
    """The Starlette middleware list for `st.App`: the preload on `paths`, or nothing if the module is not found."""
    module = chart_module(static_dir)
    if module is None:
        return []
    from starlette.middleware import Middleware  # Streamlit's server

    return [Middleware(ModulePreload, paths=tuple(paths), link=link_header(module, base_url))]
