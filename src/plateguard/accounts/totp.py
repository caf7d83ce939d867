"""Two-factor codes (RFC 6238, 30-second steps), each accepted once.

Policy: the current step and the one before it are accepted (a code typed as it rolls over, or a phone a
few seconds slow); a step from the future is not. The last accepted step is kept per user, so a code
seen over a shoulder or replayed from a proxy log is refused, as is any older one.
"""

from __future__ import annotations

import datetime as dt
import hmac

import pyotp

STEP_SECONDS = 30
ACCEPTED_STEPS_BACK = 1


def accepted_step(secret: str, code: str, *, last_step: int | None, now: dt.datetime) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``; else None."""
    code = code.strip()
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    generator = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current, current - ACCEPTED_STEPS_BACK - 1, -1):
        if last_step is not None and step <= last_step:
            break
        if hmac.compare_digest(generator.at(step * STEP_SECONDS), code):
            return step
    return None
