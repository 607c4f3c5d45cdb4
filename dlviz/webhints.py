"""Getting Streamlit's frontend, and the chart code above all, to the browser sooner on a first visit.

Streamlit's frontend draws every plotly chart with one 4.7 MB JavaScript module. On a small machine it is the largest
single cost of a first visit:

- **Fetch.** The frontend requests the module only once a page has sent its first chart, about a second after the
  request. An HTTP `Link` header with `rel=modulepreload` on the HTML of a chart page (`ChartPages`) lets the
  browser fetch it while it boots the app, so it is there when the first chart arrives.
- **Compile.** V8 compiles a function only when it is first called, on the main thread, so running the module took 0.3 s
  (0.7 s under DevTools), with about 2,100 functions parsed and compiled one by one; with the hint, 0.06 s
  (bench/devtools_cost.py). Chromium (136 and later) compiles every function of a file that begins with the comment
  `//# allFunctionsCalledOnLoad` ahead of time, on a background thread, while the file loads. `StaticAssets` serves
  Streamlit's own module with that one line in front: the same code, ready sooner. Browsers without the feature read a
  comment. (Hinting every file instead made the browser do more work.)
- **Serve.** A first visit fetches about 100 of the frontend's files. `StaticAssets` answers them from memory, each
  read from disk once, at a quarter of the server's CPU that Streamlit's own file serving takes: the browser and the
  server share a small machine's cores, and a class opens a shared link at once.

Pure ASGI (no Streamlit import): `streamlit_app.py` adds `middleware(...)` to its `st.App`. If the chart module
cannot be found (a Streamlit release that names it differently), there is neither hint; the rest is unchanged.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

ASSET_DIRS = ("static/js", "static/css", "static/media")  # Streamlit's frontend files, content-hashed names
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


def base_url_script(page: str) -> bytes:
    """An inline script that tells Streamlit's frontend where its server is, for the HTML of the app's page `page`.

    Opened at a page's own URL (`/epochs`), the frontend does not know whether that path is a page or the server's
    base URL, so it first asks `/epochs/_stcore/health`, gets a 404, waits 100 ms and only then tries `/`. It reads
    the answer from `window.__streamlit.BACKEND_BASE_URL` when a host sets it (Streamlit's own hook for index.html,
    see streamlit/streamlit#11537). The server knows the page, so the script takes the page's path off the end of the
    address the browser shows: that keeps any prefix a proxy in front of the server adds and strips. If the address
    does not end with the page, or the host set the value already, it changes nothing.
    """
    suffix = json.dumps("/" + page.strip("/"))
    return ("<script>(function(){var s=" + suffix + ",p=location.pathname.replace(/\\/+$/,\"\");"
            "if(p.slice(-s.length)!==s)return;var u=new URL(location.href);u.pathname=p.slice(0,-s.length)||\"/\";"
            "u.search=u.hash=\"\";window.__streamlit=Object.assign({BACKEND_BASE_URL:u.href},window.__streamlit)})()"
            "</script>").encode()


class ChartPages:
    """ASGI middleware for a GET of one of the app's chart pages. `pages` maps each one's full URL path (base URL
    included) to the page's own path ("epochs"). When Streamlit answers with its HTML:

    - `Link: <chart module>; rel=modulepreload` (if `link`), so the browser fetches plotly while it boots the app;
    - `base_url_script(page)` at the top of `<head>`, so the frontend connects at once.

    The HTML (8 KB) is asked for uncompressed, so that the script can go in; it is `no-cache` anyway, and its ETag
    goes, since the bytes are not the file's. A range request goes to Streamlit as before.
    """

    def __init__(self, app, pages: dict[str, str], link: bytes | None = None) -> None:
        self.app = app
        self.scripts = {url_path(path): base_url_script(page) for path, page in pages.items()}
        self.link = link

    async def __call__(self, scope: Message, receive, send: Send) -> None:
        script = self.scripts.get(url_path(scope.get("path", ""))) if scope["type"] == "http" else None
        headers = scope.get("headers", [])
        if script is None or scope.get("method") != "GET" or any(k.lower() == b"range" for k, _ in headers):
            await self.app(scope, receive, send)
            return
        scope = {**scope, "headers": [(k, v) for k, v in headers if k.lower() != b"accept-encoding"]}
        start: Message = {}
        chunks: list[bytes] = []

        async def send_page(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body, headers = b"".join(chunks), list(start.get("headers", []))
            found = {k.lower(): v for k, v in headers}
            if (start.get("status") == 200 and found.get(b"content-type", b"").startswith(b"text/html")
                    and b"content-encoding" not in found):
                if b"<head>" in body:
                    body = body.replace(b"<head>", b"<head>" + script, 1)
                    headers = [(k, v) for k, v in headers
                               if k.lower() not in (b"content-length", b"etag", b"last-modified", b"accept-ranges")]
                    headers.append((b"content-length", str(len(body)).encode()))
                if self.link:
                    headers.append((b"link", self.link))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_page)


class StaticAssets:
    """ASGI middleware: answer a plain GET for one of Streamlit's content-hashed frontend files (`ASSET_DIRS` of its
    static folder, found when the server starts) from memory, with the headers Streamlit sends for it; the files in
    `hinted` (full URL paths) with the compile hint in front.

    Streamlit serves them with Starlette's `StaticFiles`, which checks the disk and streams each file through worker
    threads: about 1.3 ms of the server's CPU per file. A first visit fetches about 100 of them, and a class that opens
    a shared link at once fetches thousands. Here each file is read once (in a worker thread), on its first request;
    the memory is what visitors have fetched, about 8 MB for this app's pages. Anything else about those URLs (HEAD,
    a range, a revalidation, a path outside the base URL) goes to Streamlit as before.
    """

    PASS_THROUGH = frozenset({b"range", b"if-none-match", b"if-modified-since"})

    def __init__(self, app, static_dir: Path, base_url: str = "", hinted: Iterable[str] = ()) -> None:
        self.app = app
        self.files = {url_path(file.relative_to(static_dir).as_posix(), base_url): file
                      for folder in ASSET_DIRS if (static_dir / folder).is_dir()
                      for file in sorted((static_dir / folder).iterdir()) if file.is_file()}
        self.hinted = frozenset(hinted)
        self.answers: dict[str, tuple[list[tuple[bytes, bytes]], bytes]] = {}

    async def __call__(self, scope: Message, receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope.get("method") != "GET" or path not in self.files
                or any(name.lower() in self.PASS_THROUGH for name, _ in scope.get("headers", []))):
            await self.app(scope, receive, send)
            return
        answer = self.answers.get(path)
        if answer is None:
            import anyio  # Starlette's own

            body = await anyio.to_thread.run_sync(self.files[path].read_bytes)
            if path in self.hinted:  # the hint counts only at the very top of a file
                body = COMPILE_HINT + body
            headers = [(b"content-type", content_type(path)), (b"content-length", str(len(body)).encode()),
                       (b"cache-control", ASSET_CACHE_CONTROL)]
            answer = self.answers[path] = (headers, body)
        headers, body = answer
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def content_type(path: str) -> bytes:
    """The Content-Type Streamlit's server (Starlette's `FileResponse`) sends for a file: its guessed type, with
    `charset=utf-8` for text."""
    media_type = mimetypes.guess_type(path)[0] or "text/plain"
    return (media_type + ("; charset=utf-8" if media_type.startswith("text/") else "")).encode()


def middleware(static_dir: Path, paths: Iterable[str], base_url: str = "", compile_hint: bool = True,
               from_memory: bool = True) -> list:
    """The Starlette middleware list for `st.App`: the preload and the server's address on the chart pages `paths`,
    and the frontend's files from memory with the chart module hinted. bench/first_visit.py compares
    `compile_hint=False`, and bench/static_assets.py `from_memory=False` (Streamlit's own serving, and no compile
    hint). Without the chart module (a Streamlit release that names it differently) there is no preload and no hint.
    """
    from starlette.middleware import Middleware  # Streamlit's server

    module = chart_module(static_dir)
    found = [Middleware(ChartPages, pages={url_path(page, base_url): page.strip("/") for page in paths},
                        link=link_header(module, base_url) if module is not None else None)]
    if from_memory:
        hinted = (url_path(module, base_url),) if module is not None and compile_hint else ()
        found.append(Middleware(StaticAssets, static_dir=static_dir, base_url=base_url, hinted=hinted))
    return found
