"""One pattern for what a form tells its user: a refusal goes back to the page the form was on, with the
message beside the field and what was typed kept; a success shows a confirmation on the next page.

The message travels in a short-lived cookie signed with the user's own session token, so it can neither
be forged for nor read by another session. Passwords, codes, secrets and files are never carried back.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

FLASH_COOKIE = "plateguard_flash"
SESSION_COOKIE = "plateguard_session"
MAX_VALUE_CHARS = 500
MAX_COOKIE_CHARS = 3500
NEVER_KEPT = ("password", "secret", "code", "csrf_token", "token")


@dataclass(frozen=True)
class Feedback:
    """A confirmation (``kind="success"``) or a refusal (``kind="error"``) of the form at ``action``."""

    kind: str
    message: str
    action: str = ""
    field: str | None = None
    values: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def sentence(text: str) -> str:
    """Messages start with a capital letter, whatever the service wrote."""
    return text[:1].upper() + text[1:] if text else text


def wants_page(request: Request) -> bool:
    """A browser asking for a page (a script's request gets the JSON error instead)."""
    return "text/html" in request.headers.get("accept", "")


def refused_here(request: Request, message: str, field: str | None) -> Feedback:
    """A page's own GET form refused in place: the message beside ``field`` and the query put back."""
    params = request.query_params
    values = {key: params.getlist(key) for key in params if not any(w in key.lower() for w in NEVER_KEPT)}
    return Feedback("error", sentence(message), request.url.path, field, values)


def _signature(key: str, payload: str) -> str:
    return hmac.new(key.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _encode(key: str, feedback: Feedback) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(asdict(feedback)).encode()).decode()
    return f"{payload}.{_signature(key, payload)}"


def _decode(key: str, cookie: str) -> Feedback | None:
    payload, _, signature = cookie.partition(".")
    if not key or not hmac.compare_digest(signature, _signature(key, payload)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return Feedback(**data)
    except (ValueError, TypeError):
        return None


def _set(request: Request, response: Response, feedback: Feedback) -> bool:
    key = request.cookies.get(SESSION_COOKIE, "")
    if not key:
        return False
    value = _encode(key, feedback)
    if len(value) > MAX_COOKIE_CHARS:  # a huge form: keep the message, drop what was typed
        value = _encode(key, Feedback(feedback.kind, feedback.message, feedback.action, feedback.field))
    secure = request.url.scheme == "https"
    response.set_cookie(
        FLASH_COOKIE, value, max_age=120, path="/", httponly=True, samesite="strict", secure=secure
    )
    return True


def confirm(request: Request, response: Response, message: str) -> Response:
    """Show ``message`` as a confirmation on the page ``response`` leads to."""
    _set(request, response, Feedback("success", sentence(message)))
    return response


def take(request: Request) -> Feedback | None:
    """The feedback waiting for this page (read once: ``render`` deletes the cookie)."""
    cookie = request.cookies.get(FLASH_COOKIE)
    if not cookie:
        return None
    return _decode(request.cookies.get(SESSION_COOKIE, ""), cookie)


def kept_values(form: Any) -> dict[str, list[str]]:
    """What the user typed, minus anything secret and anything that is not text (files)."""
    values: dict[str, list[str]] = {}
    for key in form:
        if any(word in key.lower() for word in NEVER_KEPT):
            continue
        texts = [v[:MAX_VALUE_CHARS] for v in form.getlist(key) if isinstance(v, str)]
        if texts:
            values[key] = texts
    return values


def same_origin_page(request: Request) -> str | None:
    """The page the form was posted from, when it is on this server (never an outside address)."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if not referer or parts.netloc != request.url.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def refusal_redirect(request: Request, *, message: str, field: str | None) -> Response | None:
    """Send a refused browser form back to its page with the message and the input, if that is possible."""
    if request.method != "POST" or "form" not in request.headers.get("content-type", ""):
        return None
    return refused_form(request, message=message, field=field, values=kept_values(await request.form()))


def refused_form(
    request: Request, *, message: str, field: str | None, values: dict[str, list[str]]
) -> Response | None:
    """The redirect back to the form's page carrying the refusal (None: not a same-origin browser form)."""
    if "text/html" not in request.headers.get("accept", ""):
        return None
    page = same_origin_page(request)
    if page is None or page.split("?")[0] in ("/login", "/logout"):
        return None
    feedback = Feedback("error", sentence(message), request.url.path, field, values)
    response = RedirectResponse(page, status_code=303)
    return response if _set(request, response, feedback) else None
