"""The two ways an alert leaves plateguard: a signed JSON webhook, and an e-mail through SMTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from plateguard import __version__
from plateguard.config import EmailSettings, Settings

TIMEOUT_SECONDS = 10
VERIFICATION_WARNING = (
    "UNVERIFIED: confirm the plate and state visually and through CLETS before any enforcement "
    "(policy 460.3(f))."
)


class DeliveryError(Exception):
    """The target did not take the alert; the delivery is retried later."""


def signature(key: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``timestamp.body``; receivers check it and the timestamp's age."""
    digest = hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post_webhook(url: str, payload: dict[str, Any], *, key: str) -> None:
    body = json.dumps(payload, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the setting admits only http(s) URLs
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"plateguard/{__version__}",
            "X-Plateguard-Timestamp": timestamp,
            "X-Plateguard-Signature": signature(key, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"unreachable: {reason}") from exc


def email_message(payload: dict[str, Any], *, sender: str, recipient: str) -> EmailMessage:
    message = EmailMessage()
    category = str(payload.get("category") or "").replace("_", " ")
    message["Subject"] = f"ALPR alert (unverified): {payload['plate']} on {payload['hotlist']} - {category}"
    message["From"] = sender
    message["To"] = recipient
    mismatch = "; STATE DOES NOT MATCH" if payload["state_mismatch"] else ""
    lines = [
        VERIFICATION_WARNING,
        "",
        f"Plate read:    {payload['plate']} ({payload.get('state') or 'state unknown'})",
        f"Hotlist entry: {payload.get('entry_plate')} ({payload.get('entry_state') or 'any state'})",
        f"List:          {payload['hotlist']} - {category}",
        f"Reason:        {payload.get('reason') or ''}",
        f"Vehicle:       {payload.get('vehicle_description') or ''}",
        f"Camera:        {payload['camera']}",
        f"Captured at:   {payload['captured_at']} (UTC)",
        f"Match:         {payload['match_kind']}{mismatch}",
        "",
        f"Open the alert (sign-in required): {payload['url']}",
    ]
    message.set_content("\n".join(lines))
    return message


def send_email(mail: EmailSettings, recipient: str, payload: dict[str, Any], *, settings: Settings) -> None:
    message = email_message(payload, sender=mail.sender, recipient=recipient)
    try:
        with smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if mail.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if mail.username:
                smtp.login(mail.username, settings.secret("smtp_password"))
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"mail server {mail.smtp_host}: {exc}") from exc
