"""The workbench's HTTP face: a Starlette app serving the page, its assets and each edit's figures.

Every request carries the session's token (``?token=`` in the URL printed at start, or the
``X-Segmint-Token`` header the page sends), else it is refused (403); the Host must be the
loopback address the server is bound to (a page elsewhere cannot reach it by DNS rebinding);
request bodies are limited to `MAX_BODY_BYTES` (413). The page reads nothing from the
network but this server (a Content-Security-Policy of 'self').
"""

from __future__ import annotations

import html
import json
import math
import secrets
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import pandas as pd

from segmint import tables as t
from segmint.exceptions import ConfigError, SegmintError
from segmint.report.charts import segment_bars, to_svg
from segmint.workbench.save import plan_save, save
from segmint.workbench.session import EditError, Workbench, check_edit, edit_figures

try:
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import (FileResponse, HTMLResponse, JSONResponse,
                                     PlainTextResponse, Response)
    from starlette.routing import Route
except ImportError:  # the serve extra is not installed: `require_serve_extra` says so
    Starlette = None  # type: ignore[assignment,misc]

MAX_BODY_BYTES = 256 * 1024  # an edited model is a few kilobytes; anything larger is refused
MAX_CHART_SEGMENTS = 500  # a chart of more segments than this could not be read
TOKEN_PARAM, TOKEN_HEADER = "token", "x-segmint-token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
ASSETS = Path(__file__).parent / "assets"
TOKEN_SLOT = "__TOKEN__"  # in workbench.html, where the asset URLs take the token
ASSET_TYPES = {"workbench.js": "text/javascript; charset=utf-8",
               "workbench.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",  # the token is in the URL: never sent on
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}


def require_serve_extra() -> None:
    """Raise a `ConfigError` saying how to install the workbench's server when it is missing.

    >>> require_serve_extra()  # installed here
    """
    if Starlette is None:
        raise ConfigError("segmint serve needs the workbench's web server. Install it with: "
                          "pip install 'segmint[serve]'")
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        raise ConfigError("segmint serve needs uvicorn. Install it with: "
                          "pip install 'segmint[serve]'") from None


def new_token() -> str:
    """A random session token, unguessable by another local user (32 bytes, URL-safe).

    >>> len(new_token()) >= 40
    True
    """
    return secrets.token_urlsafe(32)


def workbench_app(workbench: Workbench, *, token: str) -> Starlette:
    """The ASGI app answering the page and its edits, guarded by `token`.

    Routes: ``GET /`` the page; ``GET /assets/{name}`` its script and styles (a fixed list,
    `ASSET_TYPES`); ``GET /api/model`` the saved model and its figures; ``POST /api/figures``
    ``{"segmentation": {...}}`` → the edit's figures (`edit_figures`), or 422 with
    ``{"problems": [...]}`` naming each setting to fix (`check_edit`); ``POST
    /api/save/preview`` ``{"segmentation": ..., "scenario": null or a name}`` → the diff
    saving would make to segmint.yaml, and ``POST /api/save`` with that ``diff`` writes it
    (409 when the file no longer gives that diff: `segmint.workbench.save`); ``POST
    /api/chart/segments`` ``{"segments": [...]}`` (the figures' segments) → ``{"svg": ...}``,
    the report's chart of accounts, customers and ARR per segment (`segment_sizes`).

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> app = workbench_app(workbench=None, token="s3cret")
    >>> TestClient(app, base_url="http://127.0.0.1").get("/api/model").text
    'refused: this request has no valid token. Open the URL segmint serve printed (it ends in ?token=...)'
    """
    require_serve_extra()

    async def page(request: Request) -> Response:
        # the page's script and styles are fetched with the token too
        text = (ASSETS / "workbench.html").read_text(encoding="utf-8")
        return HTMLResponse(text.replace(TOKEN_SLOT, html.escape(quote(token, safe=""))))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSET_TYPES:
            return PlainTextResponse("not found", status_code=404)
        return _asset(name)

    async def model(request: Request) -> Response:
        saved = workbench.project.segmentation
        figures = await run_in_threadpool(edit_figures, workbench, saved)
        return JSONResponse({"project": workbench.project.name,
                             "segmentation": saved.model_dump(mode="json", exclude_none=True),
                             "figures": figures})

    async def figures(request: Request) -> Response:
        try:
            payload = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return _problem("the request body is not JSON: send {\"segmentation\": {...}}", 400)
        if not isinstance(payload, dict) or not isinstance(payload.get("segmentation"), dict):
            return _problem("send {\"segmentation\": {...}}: the edited model, as in "
                            "segmint.yaml's segmentation:", 400)
        try:
            answer = await run_in_threadpool(_figures_of_edit, workbench, payload["segmentation"])
        except EditError as err:
            return JSONResponse({"problems": err.problems}, status_code=422)
        except SegmintError as err:  # a rule that parses but cannot run on these columns
            return _problem(str(err), 422)
        return JSONResponse(answer)

    async def save_request(request: Request, *, write: bool) -> Response:
        try:
            payload = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("segmentation"), dict):
            return _problem("send {\"segmentation\": {...}, \"scenario\": null or a name"
                            + (", \"diff\": the diff shown}" if write else "}"), 400)
        scenario = payload.get("scenario") or None
        try:
            edited = await run_in_threadpool(check_edit, workbench.project,
                                             payload["segmentation"])
            if write:
                plan = await run_in_threadpool(lambda: save(
                    workbench, edited, shown_diff=str(payload.get("diff", "")),
                    scenario=scenario))
            else:
                plan = await run_in_threadpool(plan_save, workbench, edited, scenario=scenario)
        except EditError as err:
            return JSONResponse({"problems": err.problems}, status_code=422)
        except SegmintError as err:
            return _problem(str(err), 409 if write else 422)
        return JSONResponse({"file": plan.path.name, "key": ".".join(plan.key),
                             "diff": plan.diff, "saved": write})

    async def segment_chart(request: Request) -> Response:
        try:
            payload = json.loads(await request.body())
            summary = segment_sizes(payload.get("segments") if isinstance(payload, dict)
                                    else None)
        except (ValueError, UnicodeDecodeError) as err:
            return _problem(f"send {{\"segments\": [...]}}, the segments the figures gave: {err}",
                            400)
        svg = await run_in_threadpool(lambda: to_svg(segment_bars(summary), salt="workbench"))
        return JSONResponse({"svg": svg})

    async def save_preview(request: Request) -> Response:
        return await save_request(request, write=False)

    async def save_model(request: Request) -> Response:
        return await save_request(request, write=True)

    routes = [Route("/", page), Route("/assets/{name}", asset),
              Route("/api/model", model), Route("/api/figures", figures, methods=["POST"]),
              Route("/api/chart/segments", segment_chart, methods=["POST"]),
              Route("/api/save/preview", save_preview, methods=["POST"]),
              Route("/api/save", save_model, methods=["POST"])]
    return Guard(Starlette(routes=routes), token=token)


class Guard:
    """ASGI middleware: the token on every request, a loopback Host, bodies of limited size,
    and the security headers on every answer."""

    def __init__(self, app, *, token: str, max_body: int = MAX_BODY_BYTES):
        self.app, self.token, self.max_body = app, token, max_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            return await _send_text(send, *refusal)

        async def secured_send(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *(
                    (k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]}
            await send(message)

        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, secured_send)
        except BodyTooLarge:
            await _send_text(send, 413, _too_large(self.max_body))

    def _refusal(self, scope, headers: dict[str, str]) -> tuple[int, str] | None:
        """Why the request is refused (status, text), or None when it may go on."""
        host = headers.get("host", "").rsplit(":", 1)[0].strip("[]")
        if host not in LOOPBACK_HOSTS:
            return 403, "refused: the workbench answers only at 127.0.0.1"
        given = headers.get(TOKEN_HEADER) or next(iter(
            parse_qs(scope.get("query_string", b"").decode("latin-1")).get(TOKEN_PARAM, [])), "")
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return 403, ("refused: this request has no valid token. Open the URL segmint serve "
                         "printed (it ends in ?token=...)")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return 413, _too_large(self.max_body)
        return None


class BodyTooLarge(Exception):
    """A request body went past the limit while it was read."""


def _too_large(limit: int) -> str:
    return f"refused: the request body is larger than {limit // 1024} KB"


async def _send_text(send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"),
        *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]})
    await send({"type": "http.response.body", "body": text.encode()})


def segment_sizes(segments: Any) -> pd.DataFrame:
    """The segments the page sends back for their chart, checked, as the report's
    `segment_bars` draws them: ``segment``, ``accounts``, ``customers`` and ``arr``.

    Raises ValueError naming what is wrong: the page sends what `edit_figures` gave it, so
    anything else is refused rather than drawn.

    >>> segment_sizes([{"segment": "SMB", "accounts": 6, "customers": 4, "arr": 28800}]).values.tolist()
    [['SMB', 6, 4, 28800.0]]
    >>> segment_sizes([{"segment": "SMB", "accounts": -1, "customers": 0, "arr": None}])
    Traceback (most recent call last):
    ...
    ValueError: segments[1].accounts must be a whole number of at least 0, not -1
    """
    if not isinstance(segments, list) or not 0 < len(segments) <= MAX_CHART_SEGMENTS:
        raise ValueError(f"segments must be a list of 1 to {MAX_CHART_SEGMENTS} segments")
    rows = []
    for number, row in enumerate(segments, start=1):
        where = f"segments[{number}]"
        if not isinstance(row, dict) or not isinstance(row.get(t.SEGMENT), str):
            raise ValueError(f"{where} must have a segment name")
        for name in ("accounts", "customers"):
            value = row.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{where}.{name} must be a whole number of at least 0, "
                                 f"not {value!r}")
        arr = row.get(t.ARR)
        if arr is not None and (not isinstance(arr, int | float) or isinstance(arr, bool)
                                or not math.isfinite(arr)):
            raise ValueError(f"{where}.arr must be a number or null, not {arr!r}")
        rows.append({t.SEGMENT: row[t.SEGMENT], "accounts": row["accounts"],
                     "customers": row["customers"],
                     t.ARR: float("nan") if arr is None else float(arr)})
    return pd.DataFrame(rows, columns=[t.SEGMENT, "accounts", "customers", t.ARR])


def _figures_of_edit(workbench: Workbench, edited: dict) -> dict:
    """Check the edited model and, when it holds, its figures (off the event loop: both read
    the engine or files)."""
    return edit_figures(workbench, check_edit(workbench.project, edited))


def _asset(name: str) -> Response:
    return FileResponse(ASSETS / name, media_type=ASSET_TYPES[name])


def _problem(message: str, status: int) -> Response:
    return JSONResponse({"problems": [{"key": "segmentation", "position": None,
                                       "message": message}]}, status_code=status)


def loopback_socket(port: int = 0) -> socket.socket:
    """A socket bound to 127.0.0.1 on `port` (0: a free one the system picks).

    >>> sock = loopback_socket()
    >>> sock.getsockname()[0]
    '127.0.0.1'
    >>> sock.close()
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)  # a browser opening the printed URL waits for the server, not refused
    except OSError as err:
        sock.close()
        raise ConfigError(f"segmint serve cannot listen on 127.0.0.1:{port} ({err.strerror}): "
                          "give another --port, or --port 0 for any free one.") from None
    return sock


def serve_forever(app, sock: socket.socket) -> None:
    """Answer requests on `sock` until Ctrl-C (uvicorn, quiet but for errors)."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                            limit_concurrency=64, timeout_keep_alive=5)
    uvicorn.Server(config).run(sockets=[sock])
