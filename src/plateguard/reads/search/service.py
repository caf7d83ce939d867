"""Audited investigations: search, timeline, seen-near and read detail, each with its access record."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.purposes import CheckedPurpose, ProhibitedPurposeRefused, PurposePolicy
from plateguard.access_log.service import Actor, Justification, audited_access, record_refusal
from plateguard.alerts.models import Alert
from plateguard.errors import InvalidInput, NotFound
from plateguard.places import service as places
from plateguard.reads.models import PlateRead, StoredImage
from plateguard.reads.plates import normalize_plate
from plateguard.reads.search import compiler
from plateguard.reads.search.schemas import (
    Justified,
    Point,
    Radius,
    ReadSummary,
    SearchPage,
    SearchQuery,
    SeenNearRequest,
)

MAX_POLYGON_CANDIDATES = 200_000
MAX_TIMELINE_READS = 2_000


Purposes = PurposePolicy | tuple[str, ...]


def justification(
    justified: Justified, *, purposes: Purposes, action: str, actor: Actor, session: Session
) -> CheckedPurpose:
    """Check the purpose against the configured list and its rule (``access_log.purposes``): every
    action needs a case or incident number unless the purpose's rule waives it for this action. A
    prohibited purpose is refused and the refusal recorded (after the request's rollback)."""
    given = Justification(justified.purpose, justified.detail, justified.case_number)
    try:
        return PurposePolicy.of(purposes).check(given, action=action, actor=actor)
    except ProhibitedPurposeRefused as refused:
        case = (given.case_number or "").strip().upper()[:40] or None
        record_refusal(
            session=session,
            actor=actor,
            action=action,
            query={"prohibited_purpose": refused.prohibited.name},
            reason=refused.message,
            justification=Justification(given.purpose[:100], given.detail[:2000], case),
        )
        raise


def _require_alert(session: Session, read_id: uuid.UUID) -> None:
    """Alert verification stands in for a case number only on a read that raised an alert."""
    if session.scalar(select(Alert.id).where(Alert.read_id == read_id).limit(1)) is None:
        raise InvalidInput(
            "alert verification covers only a read that raised an alert; give a case or incident number",
            field="case_number",
        )


def located(*, session: Session, query: SearchQuery) -> SearchQuery:
    """The query with a radius around an address given its coordinates (from the address points)."""
    radius = query.radius
    if radius is None or radius.center is not None or not radius.address:
        return query
    point = places.locate(session=session, address=radius.address)
    centre = Point(latitude=point.latitude, longitude=point.longitude)
    resolved = Radius(center=centre, address=point.address, metres=radius.metres)
    return query.model_copy(update={"radius": resolved})


def search(
    *, session: Session, actor: Actor, query: SearchQuery, why: Justified, purposes: Purposes
) -> SearchPage:
    """One page of the reads matching ``query``; the access record holds the query and the total."""
    checked = justification(
        why, purposes=purposes, action="reads.search", actor=actor, session=session
    ).justification
    query = located(session=session, query=query)
    audit = {**query.audit_form(), "page": query.page}
    with audited_access(
        session=session, actor=actor, action="reads.search", query=audit, justification=checked
    ) as result:
        total, rows, ranks = execute(session, query)
        result.count = total
    reads = [summary(row, rank=ranks.get(row.id, 0)) for row in rows]
    return SearchPage(total=total, page=query.page, page_size=query.page_size, reads=reads)


def all_matching(*, session: Session, query: SearchQuery, limit: int) -> list[PlateRead]:
    """Every matching read up to ``limit`` (for exports); call inside an audited access."""
    unpaged = query.model_copy(update={"page": 1, "page_size": 1})
    ids = _matching_ids(session, unpaged, limit=limit)
    return _load(session, ids)


def execute(session: Session, query: SearchQuery) -> tuple[int, list[PlateRead], dict[uuid.UUID, int]]:
    dialect = session.get_bind().dialect.name
    where = compiler.conditions(query, dialect=dialect)
    rank = compiler.rank(query)
    offset = (query.page - 1) * query.page_size
    if query.polygon:
        ids = _matching_ids(session, query, limit=MAX_POLYGON_CANDIDATES)
        page_ids = ids[offset : offset + query.page_size]
        return len(ids), _load(session, page_ids), {}
    total = session.scalar(select(func.count()).select_from(PlateRead).where(*where)) or 0
    statement = (
        select(PlateRead, rank.label("rank"))
        .where(*where)
        .order_by(rank, PlateRead.captured_at.desc(), PlateRead.id)
        .offset(offset)
        .limit(query.page_size)
    )
    rows = [(row[0], int(row[1])) for row in session.execute(statement).unique().all()]
    return total, [read for read, _ in rows], {read.id: rank_value for read, rank_value in rows}


def _matching_ids(session: Session, query: SearchQuery, *, limit: int) -> list[uuid.UUID]:
    dialect = session.get_bind().dialect.name
    where = compiler.conditions(query, dialect=dialect)
    rank = compiler.rank(query)
    statement = (
        select(PlateRead.id, PlateRead.latitude, PlateRead.longitude)
        .where(*where)
        .order_by(rank, PlateRead.captured_at.desc(), PlateRead.id)
        .limit(limit + 1)
    )
    rows = session.execute(statement).all()
    if len(rows) > limit:
        raise InvalidInput(f"more than {limit} reads match; narrow the time range or the area", field="query")
    polygon = query.polygon
    if polygon is None:
        return [row.id for row in rows]
    return [
        row.id
        for row in rows
        if row.latitude is not None
        and row.longitude is not None
        and compiler.inside_polygon(row.latitude, row.longitude, polygon)
    ]


def _load(session: Session, ids: list[uuid.UUID]) -> list[PlateRead]:
    if not ids:
        return []
    found = {row.id: row for row in session.scalars(select(PlateRead).where(PlateRead.id.in_(ids))).unique()}
    return [found[read_id] for read_id in ids if read_id in found]


def summary(row: PlateRead, *, rank: int = 0) -> ReadSummary:
    return ReadSummary(
        id=str(row.id),
        plate=row.plate_normalized,
        captured_at=row.captured_at,
        camera_id=row.camera_id,
        camera_name=row.camera.name,
        region=row.region,
        latitude=row.latitude,
        longitude=row.longitude,
        confidence=row.confidence,
        vehicle=dict(row.vehicle or {}),
        has_plate_image=row.plate_image_sha256 is not None,
        has_overview_image=row.overview_image_sha256 is not None,
        rank=rank,
    )


def timeline(
    *, session: Session, actor: Actor, plate: str, why: Justified, purposes: Purposes
) -> list[ReadSummary]:
    """Where and when one plate was read, oldest first."""
    normalized = normalize_plate(plate)
    if not normalized:
        raise InvalidInput("plate has no letters or digits", field="plate")
    checked = justification(
        why, purposes=purposes, action="reads.timeline", actor=actor, session=session
    ).justification
    with audited_access(
        session=session,
        actor=actor,
        action="reads.timeline",
        query={"plate": normalized},
        justification=checked,
    ) as result:
        rows = list(
            session.scalars(
                select(PlateRead)
                .where(PlateRead.plate_normalized == normalized)
                .order_by(PlateRead.captured_at)
                .limit(MAX_TIMELINE_READS)
            ).unique()
        )
        result.count = len(rows)
    return [summary(row) for row in rows]


def seen_near(
    *, session: Session, actor: Actor, request: SeenNearRequest, purposes: Purposes
) -> list[dict[str, Any]]:
    """Other plates read close in place and time to each of the given reads, most frequent first."""
    checked = justification(
        request, purposes=purposes, action="reads.seen_near", actor=actor, session=session
    ).justification
    ids = [_parse_id(value) for value in request.read_ids]
    audit = {"read_ids": [str(i) for i in ids], "metres": request.metres, "minutes": request.minutes}
    with audited_access(
        session=session, actor=actor, action="reads.seen_near", query=audit, justification=checked
    ) as result:
        anchors = _load(session, ids)
        if len(anchors) != len(ids):
            raise NotFound("one of the reads does not exist")
        companions = _companions(session, anchors, request.metres, request.minutes)
        result.count = len(companions)
    return companions


def _companions(
    session: Session, anchors: list[PlateRead], metres: float, minutes: int
) -> list[dict[str, Any]]:
    own = {anchor.plate_normalized for anchor in anchors}
    found: dict[str, dict[str, Any]] = {}
    window = dt.timedelta(minutes=minutes)
    for anchor in anchors:
        if anchor.latitude is None or anchor.longitude is None:
            continue
        center = Point(latitude=anchor.latitude, longitude=anchor.longitude)
        area = compiler.radius_conditions(Radius(center=center, metres=metres))
        rows = session.scalars(
            select(PlateRead).where(
                *area,
                PlateRead.captured_at >= anchor.captured_at - window,
                PlateRead.captured_at <= anchor.captured_at + window,
                PlateRead.plate_normalized.not_in(own),
            )
        ).unique()
        for row in rows:
            entry = found.setdefault(row.plate_normalized, {"plate": row.plate_normalized, "anchors": set()})
            entry["anchors"].add(str(anchor.id))
    ranked = sorted(found.values(), key=lambda e: (-len(e["anchors"]), e["plate"]))
    return [{"plate": e["plate"], "times_seen_near": len(e["anchors"])} for e in ranked]


def get_read(
    *, session: Session, actor: Actor, read_id: str, why: Justified, purposes: Purposes, action: str
) -> PlateRead:
    """One read (for its detail page or one of its images), recorded as ``action``."""
    checked = justification(why, purposes=purposes, action=action, actor=actor, session=session)
    parsed = _parse_id(read_id)
    with audited_access(
        session=session,
        actor=actor,
        action=action,
        query={"read_id": str(parsed)},
        justification=checked.justification,
    ) as result:
        if checked.alert_reads_only:
            _require_alert(session, parsed)
        row = session.get(PlateRead, parsed)
        result.count = 0 if row is None else 1
        if row is None:
            raise NotFound("no such read")
    return row


def _parse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidInput("not a read id", field="read_id") from exc


def read_image(
    *, session: Session, actor: Actor, read_id: str, kind: str, why: Justified, purposes: Purposes
) -> tuple[str, str]:
    """The SHA-256 and media type of a read's plate crop or overview image, recorded as an access."""
    if kind not in ("plate", "overview"):
        raise NotFound("no such image")
    checked = justification(why, purposes=purposes, action="reads.image", actor=actor, session=session)
    parsed = _parse_id(read_id)
    with audited_access(
        session=session,
        actor=actor,
        action="reads.image",
        query={"read_id": str(parsed), "image": kind},
        justification=checked.justification,
    ) as result:
        if checked.alert_reads_only:
            _require_alert(session, parsed)
        row = session.get(PlateRead, parsed)
        sha = (
            None
            if row is None
            else (row.plate_image_sha256 if kind == "plate" else row.overview_image_sha256)
        )
        image = session.get(StoredImage, sha) if sha else None
        result.count = 0 if image is None else 1
        if image is None:
            raise NotFound("this read has no such image")
    return image.sha256, image.content_type
