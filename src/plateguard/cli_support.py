"""Who a CLI command acts for: an active account with the permission and current training."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.accounts import training
from plateguard.accounts.models import AccountStatus
from plateguard.accounts.roles import TRAINING_GATED, Permission, permissions_for
from plateguard.errors import Forbidden, NotFound


def acting_user(session: Session, username: str, permission: str, *, today: dt.date) -> Actor:
    """The named active account, if its roles hold the permission and its training is current."""
    user = account_service.get_by_username(session=session, username=username)
    if user is None:
        raise NotFound(f"no account {username!r}", field="as")
    if user.status != AccountStatus.ACTIVE:
        raise Forbidden(f"account {username!r} is {user.status}")
    needed = Permission(permission)
    if needed not in permissions_for(user.roles):
        raise Forbidden(f"{username!r} lacks the permission {needed.value}")
    gaps = training.training_gaps(session=session, user=user, today=today) if needed in TRAINING_GATED else []
    if gaps:
        raise Forbidden(f"{username!r} has no current training: {'; '.join(gaps)}")
    return Actor.of(user)
