"""Two hints for the browser about the chart code, so that a chart page draws sooner on a first visit.

Streamlit's frontend draws every plotly chart with one 4.7 MB JavaScript module. On a small machine it is the largest
single cost of a first visit:

- **Fetch.** The frontend requests the module only once a page has sent its first chart, about a second after the
  request. An HTTP `Link` header with `rel=modulepreload` on the HTML of a chart page (`ModulePreload`) lets the
  browser fetch it while it boots the app, so it is there when the first chart arrives.
- **Compile.** V8 compiles a function only when it is first called, on the main thread, so running the module took
  0.7 s, with about 2,100 functions parsed and compiled one by one. Chromium (136 and later) compiles every function
  of a file that begins with the comment `//# allFunctionsCalledOnLoad` ahead of time, on a background thread, while
  the file loads. `CompileHint` serves Streamlit's own module with that one line in front: the same code, ready sooner.
  Browsers without the feature read a comment.

Pure ASGI (no Streamlit import): `streamlit_app.py` adds `middleware(...)` to its `st.App`. If the module cannot be
found (a Streamlit release that names it differently), there is neither hint and nothing else changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

CHART_MODULE_GLOB = "static/js/PlotlyChart.*.js"  # in Streamlit's static folder; the hash changes per release
COMPILE_HINT = b"//# allFunctionsCalledOnLoad\n"  # V8's explicit compile hint for a whole file
# What Streamlit sends with its content-hashed assets: a browser keeps them and never asks again.
ASSET_CACHE_CONTROL = b"public, immutable, max-age=31536000"

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]


def chart_module(static_dir: Path) -> str | None:
    """The path of the chart module under Streamlit's static folder ("static/js/PlotlyChart.<hash>.js"), if there is
    exactly one."""
    found = sorted(static_dir.glob(CHART_MODULE_GLOB))
    return found[0].relative_to(static_dir).as_posix() if len(found) == 1 else None


def url_path(path: str, base_url: str = "") -> str:
    """`path` as the server answers it under its base URL path (`server.baseUrlPath`): "/base/path"."""
    parts = [part for part in f"{base_url}/{path}".split("/") if part]
    return "/" + "/".join(parts)


def link_header(module: str, base_url: str = "") -> bytes:
    """The `Link` header value that preloads `module`, under the server's base URL path."""
    return f"<{url_path(module, base_url)}>; rel=modulepreload".encode()


class ModulePreload:
    """ASGI middleware: add `Link: <module>; rel=modulepreload` to the HTML answer of a GET for one of `paths`
    (full URL paths, base URL included)."""

    def __init__(self, app, paths: Iterable[str], link: bytes) -> None:
        self.app = app
        self.paths = frozenset(url_path(p) for p in paths)
        self.link = link

    async def __call__(self, scope: Message, receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "GET"
                or url_path(scope.get("path", "")) not in self.paths):
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


class CompileHint:
    """ASGI middleware: answer a plain GET for the chart module (full URL path `path`) with the file behind it, the
    compile hint in front, and Streamlit's own caching headers. Anything else about that URL (HEAD, a range, a
    revalidation) goes to Streamlit as before: a browser holding the hinted copy may keep it, since the code is the
    same."""

    PASS_THROUGH = frozenset({b"range", b"if-none-match", b"if-modified-since"})

    def __init__(self, app, path: str, file: Path) -> None:
        self.app = app
        self.path = path
        # 4.7 MB, read once when the server builds its middleware. The hint counts only at the very top of a file.
        self.body = COMPILE_HINT + file.read_bytes()
        self.headers = [(b"content-type", b"text/javascript; charset=utf-8"),
                        (b"content-length", str(len(self.body)).encode()),
                        (b"cache-control", ASSET_CACHE_CONTROL)]

    async def __call__(self, scope: Message, receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") != self.path
                or any(name.lower() in self.PASS_THROUGH for name, _ in scope.get("headers", []))):
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


def middleware(static_dir: Path, paths: Iterable[str], base_url: str = "", compile_hint: bool = True) -> list:
    """The Starlette middleware list for `st.App`: the preload on the chart pages `paths` and (unless
    `compile_hint=False`, which bench/first_visit.py compares) the hinted module; nothing if the module is not found.
    """
    module = chart_module(static_dir)
    if module is None:
        return []
    from starlette.middleware import Middleware  # Streamlit's server

    found = [Middleware(ModulePreload, paths=tuple(url_path(p, base_url) for p in paths),
                        link=link_header(module, base_url))]
    if compile_hint:
        found.append(Middleware(CompileHint, path=url_path(module, base_url), file=static_dir / module))
    return found
