"""Every route an application answers, however deeply its routers are included.

FastAPI up to 0.11x copied an included router's routes into ``app.routes``; newer versions keep each
included router as one entry holding the original router and its prefix. Both are walked here, so a
route cannot hide from the access-rule tests inside a router that includes another.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route


def app_routes(app: Any) -> list[tuple[str, str]]:
    return sorted(set(_walk(app.routes, "")))


def _walk(routes: Iterable[BaseRoute], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _walk(included.routes, prefix + str(getattr(context, "prefix", "") or ""))
        elif isinstance(route, APIRoute | Route):
            methods = set(route.methods or ())
            if "GET" in methods:
                methods.discard("HEAD")  # answered for every GET by Starlette itself
            yield from ((method, prefix + route.path) for method in sorted(methods))
        elif isinstance(route, Mount):
            yield "GET", f"{prefix}{route.path}/{{path:path}}"
