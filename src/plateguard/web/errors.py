"""Every error becomes one JSON shape (API) or one error page (browser), here and nowhere else."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from plateguard.errors import NotAuthenticated, PlateguardError, invalid_input_from
from plateguard.web.feedback import refusal_redirect, sentence
from plateguard.web.templating import render

logger = logging.getLogger(__name__)


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def error_response(
    request: Request, *, status: int, code: str, message: str, field: str | None = None
) -> Response:
    if wants_html(request):
        if status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if code == "password_change_required":
            return RedirectResponse("/account", status_code=303)
        context = {"status": status, "code": code, "message": sentence(message)}
        return render(request, "error.html", context, status_code=status)
    body = {"error": {"code": code, "message": message, "field": field}}
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)


FORM_ERROR_STATUSES = frozenset({400, 409, 413, 422})


async def _form_refusal(request: Request, *, status: int, message: str, field: str | None) -> Response | None:
    """A browser form refused for its input (or a workflow step refused, naming its field) goes back to
    its page with the message beside the field; a refused permission keeps the error page."""
    if not wants_html(request) or not (status in FORM_ERROR_STATUSES or (field and status in (403, 404))):
        return None
    return await refusal_redirect(request, message=message, field=field)


async def _plateguard_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlateguardError)
    status = 401 if isinstance(exc, NotAuthenticated) else exc.http_status
    back = await _form_refusal(request, status=status, message=exc.message, field=exc.field)
    if back is not None:
        return back
    return error_response(request, status=status, code=exc.code, message=exc.message, field=exc.field)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    error = invalid_input_from(exc.errors())
    back = await _form_refusal(request, status=422, message=error.message, field=error.field)
    if back is not None:
        return back
    return error_response(request, status=422, code=error.code, message=error.message, field=error.field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
        exc.status_code, "error"
    )
    return error_response(request, status=exc.status_code, code=code, message=str(exc.detail))


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """The database is down, restarting or locked: tell clients to retry (503 + Retry-After)."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    message = f"the database {database_fault(exc) or 'is unavailable'}; retry shortly"
    return error_response(request, status=503, code="service_unavailable", message=message)


def database_fault(exc: BaseException) -> str | None:
    """A plain-words cause for the database faults an operator can fix (SQLite's own wording)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "readonly database" in text or "read-only" in text:
        return "is read-only (check the file's permissions and the disk)"
    if "disk is full" in text or "no space left" in text:
        return "disk is full"
    return None


LARGEST_ROW_ID = 2**63 - 1  # SQLite's and PostgreSQL's widest integer


async def _value_out_of_range(request: Request, exc: Exception) -> Response:
    """A number no column can hold (SQLite: OverflowError; PostgreSQL: DataError) is the sender's mistake."""
    for name, value in request.path_params.items():  # as sent: text, not yet the route's int
        if str(value).lstrip("+-").isdigit() and not -LARGEST_ROW_ID <= int(value) <= LARGEST_ROW_ID:
            return error_response(
                request, status=404, code="not_found", message=f"{name}: no such record", field=name
            )
    if isinstance(exc, DataError) and _state_of(exc) not in SENDERS_DATA_ERRORS:
        return await _unexpected_error(request, exc)  # a server bug, not something the sender can fix
    message = "a value in the request is out of range or cannot be stored; nothing was changed"
    return error_response(request, status=422, code="invalid_input", message=message)


# PostgreSQL's SQLSTATEs for a value the sender chose: out of range, too long, not a number or a date.
SENDERS_DATA_ERRORS = frozenset({"22003", "22001", "22P02", "22007", "22008", "22021"})


def _state_of(exc: DataError) -> str | None:
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, status=500, code="internal_error", message="internal error; it was logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PlateguardError, _plateguard_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(OverflowError, _value_out_of_range)
    app.add_exception_handler(DataError, _value_out_of_range)
    app.add_exception_handler(Exception, _unexpected_error)
