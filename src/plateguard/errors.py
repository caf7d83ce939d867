"""One exception hierarchy for the whole system.

Services raise these; the web layer turns them into HTTP errors in one place and the CLI turns them
into one line and a non-zero exit. Nothing else should leak to a user.
"""

from __future__ import annotations


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
