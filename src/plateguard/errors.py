"""One exception hierarchy for the whole system.

Services raise these; the web layer turns them into HTTP errors in one place and the CLI turns them
into one line and a non-zero exit. Nothing else should leak to a user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class PlateguardError(Exception):
    """Base of every error a user can cause or see."""

    code = "error"
    http_status = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(PlateguardError):
    code = "invalid_input"
    http_status = 422


class NotFound(PlateguardError):
    code = "not_found"
    http_status = 404


class NotAuthenticated(PlateguardError):
    code = "not_authenticated"
    http_status = 401


class Forbidden(PlateguardError):
    code = "forbidden"
    http_status = 403


class TrainingRequired(Forbidden):
    code = "training_required"


class PasswordChangeRequired(Forbidden):
    """The password was reset by an Administrator; the user must choose their own first."""

    code = "password_change_required"


class Conflict(PlateguardError):
    code = "conflict"
    http_status = 409


class PayloadTooLarge(PlateguardError):
    code = "payload_too_large"
    http_status = 413


class TooManyAttempts(PlateguardError):
    """Sign-ins from an address, or for a username, are paused after repeated failures."""

    code = "too_many_attempts"
    http_status = 429

    def __init__(self, message: str, *, retry_at: object = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_at = retry_at  # a UTC datetime: shown to the user in the agency's time zone


class ServiceUnavailable(PlateguardError):
    code = "service_unavailable"
    http_status = 503


class ConfigurationError(PlateguardError):
    """The configuration, the data directory or the database cannot be used."""

    code = "configuration_error"


REQUEST_PARTS = ("body", "query", "path", "form", "header", "cookie")


def first_validation_error(errors: Sequence[Mapping[str, Any]]) -> tuple[str | None, str]:
    """The field (a dotted path; where in the request it came from left out) and the message of the
    first of a validation's errors: the one conversion every door (web, form, ingest, CLI) uses."""
    first = errors[0]
    location = list(first.get("loc", ()))
    if location and location[0] in REQUEST_PARTS:
        location = location[1:]
    parts = [str(part) for part in location if not str(part).startswith("function-")]
    return ".".join(parts) or None, str(first["msg"]).removeprefix("Value error, ")


def invalid_input_from(
    errors: Sequence[Mapping[str, Any]], *, prefix: str = "", default_field: str | None = None
) -> InvalidInput:
    """The first validation error as InvalidInput, "field: message", naming the field."""
    field, message = first_validation_error(errors)
    field = ".".join(part for part in (prefix, field) if part) or default_field
    return InvalidInput(f"{field}: {message}" if field else message, field=field)
