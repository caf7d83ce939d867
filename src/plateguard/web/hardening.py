"""What every response and every request body goes through: security headers, body-size limits, and an
access log without query strings.

* Content-Security-Policy allows scripts, styles and frames from this server only (the console needs no
  inline script); map tiles may come from the configured tile server.
* ``Cache-Control: no-store`` on everything but static files: pages and APIs show ALPR data, which must
  not stay in a browser's or a proxy's cache.
* Strict-Transport-Security when ``server.hsts_seconds`` is set (only behind HTTPS).
* Bodies are limited before they are read: a declared Content-Length over the limit is refused at once,
  a chunked body is cut off as soon as it passes the limit (413 either way).
* The server's access log keeps the path and drops the query string, where searches carry plates.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plateguard.config import Settings

STATIC_PREFIX = "/static/"


def content_security_policy(settings: Settings) -> str:
    tiles = ""
    if settings.map.tile_url:
        parts = urlsplit(settings.map.tile_url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in settings.map.tile_url else parts.netloc
        tiles = f" {parts.scheme}://{host}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{tiles}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def security_headers(settings: Settings) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if settings.server.hsts_seconds:
        headers["Strict-Transport-Security"] = f"max-age={settings.server.hsts_seconds}; includeSubDomains"
    return headers


def apply_headers(path: str, headers: dict[str, str], response_headers: Any) -> None:
    for name, value in headers.items():
        response_headers.setdefault(name, value)
    if not path.startswith(STATIC_PREFIX):
        response_headers["Cache-Control"] = "no-store"
        response_headers["Pragma"] = "no-cache"


def body_limits(settings: Settings) -> dict[str, int]:
    """Routes allowed more than ``server.max_form_bytes``: the device doors and hot-file uploads."""
    from plateguard.hotlists.router import MAX_UPLOAD_BYTES

    return {r"^/api/v1/": settings.ingest.max_body_bytes, r"^/hotlists/\d+/import$": MAX_UPLOAD_BYTES}


class BodyLimit:
    """Pure ASGI middleware refusing bodies over a per-path limit without reading them whole."""

    def __init__(self, app: ASGIApp, *, default: int, larger: dict[str, int]) -> None:
        self.app, self.default = app, default
        self.larger = [(re.compile(pattern), limit) for pattern, limit in larger.items()]

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.larger:
            if pattern.match(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        state = {"size": 0, "over": False, "started": False}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["size"] += len(message.get("body", b""))
                if state["size"] > limit:
                    state["over"] = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if state["over"]:
                return  # the app's answer to a cut-off body is replaced by the 413 below
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            await _too_large(limit)(scope, receive, send)


def _too_large(limit: int) -> JSONResponse:
    message = f"body passes the limit of {limit} bytes"
    return JSONResponse(
        {"error": {"code": "payload_too_large", "message": message, "field": "body"}}, status_code=413
    )


class QueryScrub(logging.Filter):
    """Drop the query string from uvicorn's access-log lines (plates, case numbers, purposes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up with the query-string filter on its access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["scrub_query"] = {"()": f"{__name__}.QueryScrub"}
    config["handlers"]["access"]["filters"] = ["scrub_query"]
    return config
