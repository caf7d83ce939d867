"""Where a hotlist is refreshed from: a full file path or an http(s) URL, checked when it is set, so a
typing slip is refused in the form instead of failing every scheduled refresh."""

from __future__ import annotations

from urllib.parse import urlsplit

from plateguard.errors import InvalidInput

URL_SCHEMES = ("http", "https")
FIELD = "refresh_path"


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def check_location(text: str | None) -> str | None:
    """The location as stored (trimmed), None when empty, or InvalidInput naming ``refresh_path``."""
    location = (text or "").strip()
    if not location:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in location):
        raise InvalidInput("the refresh location has a control character in it", field=FIELD)
    if "://" in location:
        _check_url(location)
    elif not location.startswith("/"):
        raise InvalidInput(
            f"give the file's full path, starting with / (the scheduled refresh does not run in any one "
            f"folder), or an http(s) URL: {location!r} is neither",
            field=FIELD,
        )
    return location


def _check_url(location: str) -> None:
    try:
        parts = urlsplit(location)
        parts.port  # noqa: B018 - reading it checks the port
    except ValueError as exc:
        raise InvalidInput(f"{location} is not a valid URL ({exc})", field=FIELD) from exc
    if parts.scheme.lower() not in URL_SCHEMES:
        raise InvalidInput(f"only http:// and https:// URLs are fetched, not {parts.scheme}://", field=FIELD)
    if not parts.hostname:
        raise InvalidInput(f"{location} names no host", field=FIELD)
    if any(ch.isspace() for ch in location):
        raise InvalidInput(f"{location!r} has a space in it; a URL writes one as %20", field=FIELD)
