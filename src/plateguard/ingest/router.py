"""The ingest API for devices: ``/api/v1/reads`` and the adapters for existing recognisers.

Every route is behind ``Gate.DEVICE_TOKEN``. Reads are stored in a unit of work of their own
(``database.transaction``), committed before the acknowledgement is sent: an acknowledged read is durable.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool

from plateguard.config import Settings
from plateguard.database import transaction
from plateguard.errors import InvalidInput, NotAuthenticated
from plateguard.ingest import camera_formats, service
from plateguard.ingest.body import json_body, json_or_form_body, read_limited
from plateguard.ingest.schemas import (
    BatchReceipt,
    ImageReceipt,
    ReadBatch,
    ReadSubmission,
    parse_submission_bytes,
)
from plateguard.ingest.vendors import from_openalpr, from_platerecognizer
from plateguard.ingest.xml_body import event_and_pictures
from plateguard.reads import images

router = APIRouter(prefix="/api/v1", tags=["ingest"])
_READ_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/ReadSubmission"},
                        {"$ref": "#/components/schemas/ReadBatch"},
                    ]
                }
            }
        },
    }
}


def device_camera_id(request: Request) -> int:
    camera_id = getattr(request.state, "device_camera_id", None)
    if camera_id is None:  # only Gate.DEVICE_TOKEN sets it: any other rule is refused here
        raise NotAuthenticated("this door needs a device token")
    return int(camera_id)


DeviceCameraId = Annotated[int, Depends(device_camera_id)]


def _limit(request: Request) -> int:
    return int(request.app.state.settings.ingest.max_body_bytes)


def capture_window(settings: Settings) -> service.CaptureWindow:
    return service.CaptureWindow(settings.ingest.capture_days_back, settings.ingest.capture_minutes_ahead)


def _store(request: Request, camera_id: int, reads: list[ReadSubmission], ignored: int = 0) -> BatchReceipt:
    """Store in a unit of work of its own, committed (durable) before the acknowledgement is sent."""
    settings = request.app.state.settings
    with transaction(request.app.state.session_factory, sqlite_writer=True) as db:
        camera = service.camera_for_writing(session=db, camera_id=camera_id)
        result = service.store_batch(
            session=db,
            camera=camera,
            reads=reads,
            images_dir=settings.images_dir,
            on_stored=request.app.state.on_read_stored,
            window=capture_window(settings),
        )
    request.app.state.metrics.reads_stored.labels(source="http").inc(len(result.stored_ids))
    return BatchReceipt(
        stored=len(result.stored_ids),
        duplicates=len(result.duplicate_ids),
        updated=len(result.updated_ids),
        ignored=ignored,
        ids=result.ids,
    )


@router.post("/reads", openapi_extra=_READ_BODY, response_model=BatchReceipt)
async def submit_reads(request: Request, camera_id: DeviceCameraId) -> BatchReceipt:
    """Store one read or a batch of up to 1,000 (``{"reads": [...]}``); re-sent ids are acknowledged."""
    data = await read_limited(request, _limit(request))
    reads = await run_in_threadpool(parse_submission_bytes, data)
    return await run_in_threadpool(_store, request, camera_id, reads)


@router.post("/images", response_model=ImageReceipt)
async def upload_image(request: Request, camera_id: DeviceCameraId) -> ImageReceipt:
    """Upload a JPEG or PNG (raw body) once; reads then reference it by ``plate_image_sha256``."""
    data = await read_limited(request, _limit(request))

    def store() -> ImageReceipt:
        with transaction(request.app.state.session_factory, sqlite_writer=True) as db:
            service.camera_for_writing(session=db, camera_id=camera_id)
            image = images.store_image(
                session=db, images_dir=request.app.state.settings.images_dir, data=data
            )
            return ImageReceipt(sha256=image.sha256, width=image.width, height=image.height)

    return await run_in_threadpool(store)


@router.post("/adapters/openalpr", response_model=BatchReceipt)
async def openalpr(request: Request, camera_id: DeviceCameraId) -> BatchReceipt:
    """OpenALPR agent / Rekor Scout ``alpr_group``, ``alpr_results``, ``alpr_alert``; heartbeats ignored."""
    payload: Any = await json_body(request, _limit(request))
    reads = await run_in_threadpool(from_openalpr, payload)
    return await run_in_threadpool(_store, request, camera_id, reads, 0 if reads else 1)


@router.post("/adapters/platerecognizer", response_model=BatchReceipt)
async def platerecognizer(request: Request, camera_id: DeviceCameraId) -> BatchReceipt:
    """Plate Recognizer Snapshot/Stream webhooks: JSON, or a form with ``json`` and ``upload``."""
    payload, image = await json_or_form_body(request, _limit(request))
    reads = await run_in_threadpool(from_platerecognizer, payload)
    if image is not None:
        for read in reads:
            read.overview_image = image
            read.name_fields({**read.sender_fields(), "overview_image": "upload"})
    return await run_in_threadpool(_store, request, camera_id, reads, 0 if reads else 1)


@router.post("/adapters/hikvision", response_model=BatchReceipt)
async def hikvision(request: Request, camera_id: DeviceCameraId) -> BatchReceipt:
    """Hikvision ISAPI ANPR event (``EventNotificationAlert``): XML, JSON, or multipart with pictures."""
    event, pictures = await event_and_pictures(request, _limit(request))
    reads = await run_in_threadpool(camera_formats.from_hikvision, event, pictures)
    return await run_in_threadpool(_store, request, camera_id, reads, 0 if reads else 1)


@router.post("/adapters/dahua", response_model=BatchReceipt)
async def dahua(request: Request, camera_id: DeviceCameraId, tz: str | None = None) -> BatchReceipt:
    """Dahua ITC HTTP upload (``Picture`` with ``Plate``, ``SnapInfo``); ``tz``: the camera's time zone."""
    zone = _zone(tz)
    payload: Any = await json_body(request, _limit(request))
    reads = await run_in_threadpool(camera_formats.from_dahua, payload, zone)
    return await run_in_threadpool(_store, request, camera_id, reads, 0 if reads else 1)


@router.post("/adapters/genetec", response_model=BatchReceipt)
async def genetec(request: Request, camera_id: DeviceCameraId) -> BatchReceipt:
    """Genetec AutoVu / Security Center read webhook."""
    payload: Any = await json_body(request, _limit(request))
    reads = await run_in_threadpool(camera_formats.from_genetec, payload)
    return await run_in_threadpool(_store, request, camera_id, reads, 0 if reads else 1)


@router.post("/adapters/survision", response_model=BatchReceipt)
async def survision(request: Request, camera_id: DeviceCameraId) -> BatchReceipt:
    """Survision camera ``anpr`` push."""
    payload: Any = await json_body(request, _limit(request))
    reads = await run_in_threadpool(camera_formats.from_survision, payload)
    return await run_in_threadpool(_store, request, camera_id, reads, 0 if reads else 1)


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"tz: {name[:60]!r} is not a time zone name", field="tz") from None


def publish_schemas(app: FastAPI) -> None:
    """Put the read schemas the ingest body refers to into the OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        _, definitions = models_json_schema(
            [(ReadSubmission, "validation"), (ReadBatch, "validation")],
            ref_template="#/components/schemas/{model}",
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in definitions.get("$defs", {}).items():
            schemas.setdefault(name, schema)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
