"""The audit rules: each looks at one period and returns the items an Auditor must review.

Every rule reads stored records only; none changes anything. ``draw_sample`` picks searches at random
(with a recorded seed, so the same draw can be repeated from the same records).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.purposes import prohibited_named
from plateguard.accounts.models import AccountStatus, User
from plateguard.accounts.shifts import shift_of
from plateguard.accounts.training import TrainingCourse, TrainingRecord
from plateguard.config import Settings
from plateguard.hotlists.models import Hotlist, HotlistEntry
from plateguard.retention import carried_training
from plateguard.retention.models import LegalHold
from plateguard.sharing.models import ReleaseRequest

SEARCH_ACTIONS = ("reads.search", "reads.timeline", "reads.seen_near", "reads.export")
DATA_ACTIONS = (
    *SEARCH_ACTIONS,
    "reads.view",
    "reads.image",
    "alerts.view",
    "alerts.image",
    "hotlists.entries",
)
RULE_LABELS = {
    "sample": "Random sample of searches",
    "no_case_number": "No case number where one was needed",
    "free_text_purpose": "Purpose from free text only",
    "prohibited_refused": "Refused for a prohibited purpose",
    "prohibited_text": "Free text names a prohibited purpose",
    "repeat_plate": "One user, same plate, several cases",
    "outside_hours": "Search outside the user's shift",
    "plate_without_link": "Plate with no hotlist or case link",
    "bulk_export": "Bulk export",
    "lapsed_training": "Access with lapsed training",
    "training_by_own_account": "Training recorded by an account its trainee set up",
    "training_unrecorded": "Training with no access record of its recording",
    "inactive_account": "Account unused past the inactivity limit",
    "stale_hotlist": "Hotlist past its refresh age",
    "purge_missed": "Purge did not run",
}


@dataclass(frozen=True)
class Flag:
    rule: str
    subject: str
    access_sequence: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    zone: ZoneInfo

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), self.zone).astimezone(dt.UTC)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), self.zone).astimezone(dt.UTC)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone)


@dataclass
class Context:
    session: Session
    settings: Settings
    period: Period
    now: dt.datetime
    records: list[AccessRecord]

    def by_users(self, actions: Iterable[str], outcome: str = "ok") -> list[AccessRecord]:
        wanted = set(actions)
        kept = (r for r in self.records if r.action in wanted and r.user_id is not None)
        return [r for r in kept if r.outcome == outcome]


def load_context(*, session: Session, settings: Settings, period: Period, now: dt.datetime) -> Context:
    records = session.scalars(
        select(AccessRecord)
        .where(AccessRecord.occurred_at >= period.since, AccessRecord.occurred_at < period.until)
        .order_by(AccessRecord.sequence)
    ).all()
    return Context(session, settings, period, now, list(records))


def _accesses(count: int) -> str:
    return f"{count} access" if count == 1 else f"{count} accesses"


def _who(record: AccessRecord) -> str:
    return f"{record.full_name} ({record.username})"


def _search_flag(rule: str, record: AccessRecord, ctx: Context, extra: str = "") -> Flag:
    when = ctx.period.local(record.occurred_at).strftime("%Y-%m-%d %H:%M")
    plate = record.query.get("plate")
    what = f"{record.action}{' of ' + str(plate) if plate else ''}"
    return Flag(rule, f"{_who(record)}: {what} at {when}{extra}", record.sequence, {"action": record.action})


def draw_sample(ctx: Context, *, size: int, seed: int) -> list[Flag]:
    searches = ctx.by_users(SEARCH_ACTIONS)
    chosen = random.Random(seed).sample(searches, min(size, len(searches)))
    return [_search_flag("sample", r, ctx) for r in sorted(chosen, key=lambda r: r.sequence)]


def no_case_number(ctx: Context) -> list[Flag]:
    rules = ctx.settings.access.purpose_rules
    return [
        _search_flag("no_case_number", r, ctx, f"; purpose {r.purpose or 'none'}")
        for r in ctx.by_users((*SEARCH_ACTIONS, "reads.view", "reads.image"))
        if not r.case_number
        and (r.purpose not in rules or r.action not in rules[r.purpose or ""].waives_case_number_for)
    ]


def free_text_purpose(ctx: Context) -> list[Flag]:
    listed = set(ctx.settings.access.purposes)
    return [
        _search_flag("free_text_purpose", r, ctx, f"; purpose given: {r.purpose_detail[:80] or 'none'}")
        for r in ctx.by_users(DATA_ACTIONS)
        if r.purpose not in listed
    ]


def prohibited_refused(ctx: Context) -> list[Flag]:
    return [
        _search_flag("prohibited_refused", r, ctx, f"; {r.query['prohibited_purpose']}")
        for r in ctx.by_users(DATA_ACTIONS, outcome="refused")
        if "prohibited_purpose" in r.query
    ]


def prohibited_text(ctx: Context) -> list[Flag]:
    """Free text that names a prohibited purpose: access records, hotlist entries and release requests."""
    banned = ctx.settings.access.prohibited_purposes
    flags = [
        _search_flag("prohibited_text", r, ctx, f"; names {hit.name.lower()}")
        for r in ctx.records
        if r.outcome == "ok" and (hit := prohibited_named((r.purpose_detail,), banned)) is not None
    ]
    since, until = ctx.period.since, ctx.period.until
    entries = ctx.session.scalars(
        select(HotlistEntry).where(HotlistEntry.entered_at >= since, HotlistEntry.entered_at < until)
    )
    for entry in entries:
        if (hit := prohibited_named((entry.purpose or "", entry.reason), banned)) is not None:
            subject = f"hotlist entry {entry.id} by {entry.entered_by}; names {hit.name.lower()}"
            flags.append(Flag("prohibited_text", subject, None, {"hotlist_entry": entry.id}))
    requests = ctx.session.scalars(
        select(ReleaseRequest).where(ReleaseRequest.received_at >= since, ReleaseRequest.received_at < until)
    )
    for request in requests:
        if (hit := prohibited_named((request.purpose,), banned)) is not None:
            subject = f"release request {request.id} from {request.agency_name}; names {hit.name.lower()}"
            flags.append(Flag("prohibited_text", subject, None, {"release_request": request.id}))
    return flags


def repeat_plate(ctx: Context) -> list[Flag]:
    searches: dict[tuple[str, str], list[AccessRecord]] = defaultdict(list)
    for record in ctx.by_users(SEARCH_ACTIONS):
        plate = record.query.get("plate")
        if isinstance(plate, str) and plate:
            searches[(record.username, plate)].append(record)
    flags = []
    for (_, plate), found in sorted(searches.items()):
        cases = sorted({r.case_number or "none" for r in found})
        if len(found) >= ctx.settings.audit.repeat_plate_searches and len(cases) >= 2:
            subject = f"{_who(found[-1])}: {len(found)} searches of {plate} under cases {', '.join(cases)}"
            detail = {"sequences": [r.sequence for r in found], "cases": cases}
            flags.append(Flag("repeat_plate", subject, found[-1].sequence, detail))
    return flags


def outside_hours(ctx: Context) -> list[Flag]:
    """Searches outside the user's shift as set now; a user with no shift is held to the usual hours."""
    start, end = ctx.settings.audit.usual_hours
    searches = ctx.by_users(SEARCH_ACTIONS)
    users = ctx.session.scalars(select(User).where(User.id.in_({r.user_id for r in searches})))
    shifts = {user.id: shift_of(user) for user in users}
    flags = []
    for record in searches:
        local = ctx.period.local(record.occurred_at)
        shift = shifts.get(record.user_id or 0)
        if shift is None and not start <= local.hour < end:
            usual = f"; no shift set, outside the usual hours {start:02d}:00-{end:02d}:00"
            flags.append(_search_flag("outside_hours", record, ctx, usual))
        elif shift is not None and not shift.covers(local):
            flags.append(_search_flag("outside_hours", record, ctx, f"; outside shift {shift.describe()}"))
    return flags


def plate_without_link(ctx: Context) -> list[Flag]:
    searched = [r for r in ctx.by_users(SEARCH_ACTIONS) if isinstance(r.query.get("plate"), str)]
    if not searched:
        return []
    plates = {r.query["plate"] for r in searched}
    listed = set(
        ctx.session.scalars(
            select(HotlistEntry.plate_normalized).where(HotlistEntry.plate_normalized.in_(plates))
        )
    )
    cases = set(ctx.session.scalars(select(LegalHold.case_number)))
    cases |= {c for c in ctx.session.scalars(select(HotlistEntry.case_number)) if c}
    cases |= set(ctx.session.scalars(select(ReleaseRequest.case_number)))
    return [
        _search_flag("plate_without_link", r, ctx, f"; case {r.case_number or 'none'}")
        for r in searched
        if r.query["plate"] not in listed and (r.case_number or "") not in cases
    ]


def bulk_export(ctx: Context) -> list[Flag]:
    least = ctx.settings.audit.bulk_export_reads
    return [
        _search_flag("bulk_export", r, ctx, f"; {r.result_count} reads")
        for r in ctx.by_users(("reads.export", "evidence.exported"))
        if (r.result_count or 0) >= least
    ]


def lapsed_training(ctx: Context) -> list[Flag]:
    required = set(ctx.session.scalars(select(TrainingCourse.id).where(TrainingCourse.required)))
    spans: dict[int, list[tuple[int, dt.date, dt.date]]] = defaultdict(list)
    for t in ctx.session.scalars(select(TrainingRecord)):
        spans[t.user_id].append((t.course_id, t.completed_on, t.expires_on))
    lapsed: dict[int, list[AccessRecord]] = defaultdict(list)
    for record in ctx.by_users(DATA_ACTIONS):
        day = ctx.period.local(record.occurred_at).date()
        current = {c for c, start, end in spans[record.user_id or 0] if start <= day <= end}
        if required - current:
            lapsed[record.user_id or 0].append(record)
    return [
        Flag(
            "lapsed_training",
            f"{_who(found[0])}: {_accesses(len(found))} without current training",
            found[0].sequence,
            {"sequences": [r.sequence for r in found]},
        )
        for found in lapsed.values()
    ]


ACCOUNT_SET_UP = ("account.created", "account.roles", "account.password_reset")


def training_by_own_account(ctx: Context) -> list[Flag]:
    """The two-person rule, worked around: someone creates an account (or gives one its roles or a new
    password) and then has that account record their own training."""
    recorded = [r for r in ctx.by_users(("training.recorded",)) if r.query.get("user")]
    if not recorded:
        return []
    set_up = ctx.session.execute(
        select(AccessRecord.username, AccessRecord.query).where(AccessRecord.action.in_(ACCOUNT_SET_UP))
    ).all()
    by_trainee = {(by, str(query.get("user"))) for by, query in set_up}
    return [
        Flag(
            "training_by_own_account",
            f"{_who(r)} recorded {r.query['user']}'s training ({r.query.get('course', '')}); "
            f"{r.query['user']} had set up {r.username}'s account",
            r.sequence,
            {"trainee": r.query["user"]},
        )
        for r in recorded
        if (r.query["user"], r.username) in by_trainee
    ]


def training_unrecorded(ctx: Context) -> list[Flag]:
    """A completion that counted in the period but was never recorded through plateguard, or whose dates
    differ from those recorded: a row added or changed in the database directly. Its recording is found in
    the kept access log, or, once the log's oldest records were purged, in the record that carried it
    forward (``retention.carried_training``): a recording time written into the row itself proves nothing.
    A first Administrator's statement at ``init`` logged by an earlier version named neither course nor
    expiry, so its name and completion date are matched alone."""
    logged = carried_training.recorded_facts(ctx.session)
    usernames: dict[int, str] = {
        row.id: row.username for row in ctx.session.execute(select(User.id, User.username))
    }
    counted = select(TrainingRecord).where(
        TrainingRecord.completed_on <= ctx.period.end, TrainingRecord.expires_on >= ctx.period.start
    )
    flags = []
    for t in ctx.session.scalars(counted.order_by(TrainingRecord.id)):
        user, dates = usernames.get(t.user_id), (t.completed_on.isoformat(), t.expires_on.isoformat())
        earlier_init = t.attested_at_init and (user, None, dates[0], None) in logged
        if (user, t.course.name, *dates) in logged or earlier_init:
            continue
        subject = f"{user}: {t.course.name}, completed {dates[0]}, valid until {dates[1]}"
        flags.append(Flag("training_unrecorded", subject, None, {"training_record_id": t.id}))
    return flags


def inactive_account(ctx: Context) -> list[Flag]:
    as_of = min(ctx.period.until, ctx.now)
    limit = as_of - dt.timedelta(days=ctx.settings.security.inactivity_suspend_days)
    users = ctx.session.scalars(
        select(User).where(User.status == AccountStatus.ACTIVE).order_by(User.username)
    )
    flags = []
    for user in users:
        last = user.last_login_at or user.created_at
        if last < limit:
            subject = f"{user.full_name} ({user.username}): active, last used {last:%Y-%m-%d}"
            flags.append(Flag("inactive_account", subject, None, {"user_id": user.id}))
    return flags


def stale_hotlist(ctx: Context) -> list[Flag]:
    as_of = min(ctx.period.until, ctx.now)
    flags = []
    for hotlist in ctx.session.scalars(select(Hotlist).where(Hotlist.refresh_path.is_not(None))):
        loaded = hotlist.last_loaded_at
        if loaded is None or loaded < as_of - dt.timedelta(hours=hotlist.max_age_hours):
            state = f"last loaded {loaded:%Y-%m-%d %H:%M} UTC" if loaded else "never loaded"
            subject = f"hotlist {hotlist.name}: {state}, refresh age {hotlist.max_age_hours} h"
            flags.append(Flag("stale_hotlist", subject, None, {"hotlist_id": hotlist.id}))
    return flags


def purge_missed(ctx: Context) -> list[Flag]:
    if not ctx.settings.audit.daily_purge_expected:
        return []
    ran = {ctx.period.local(r.occurred_at).date() for r in ctx.records if r.action == "retention.purged"}
    last_day = min(ctx.period.end, ctx.period.local(ctx.now).date() - dt.timedelta(days=1))
    day, flags = ctx.period.start, []
    while day <= last_day:
        if day not in ran:
            flags.append(
                Flag("purge_missed", f"no purge ran on {day:%Y-%m-%d}", None, {"day": day.isoformat()})
            )
        day += dt.timedelta(days=1)
    return flags


RULES: tuple[Callable[[Context], list[Flag]], ...] = (
    no_case_number,
    free_text_purpose,
    prohibited_refused,
    prohibited_text,
    repeat_plate,
    outside_hours,
    plate_without_link,
    bulk_export,
    lapsed_training,
    training_by_own_account,
    training_unrecorded,
    inactive_account,
    stale_hotlist,
    purge_missed,
)


def flag_all(ctx: Context) -> list[Flag]:
    return [flag for rule in RULES for flag in rule(ctx)]
