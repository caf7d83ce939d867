"""Reading an ingest request body: size-limited (413), JSON or multipart, with clear 4xx errors."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from plateguard.errors import InvalidInput, PayloadTooLarge


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, refusing (413) as soon as it is known to pass the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body is {declared} bytes; the limit is {limit}", field="body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body passes the limit of {limit} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(data: bytes, field: str = "body") -> Any:
    if not data.strip():
        raise InvalidInput(f"{field}: empty; expected JSON", field=field)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{field}: not UTF-8 text", field=field) from None
    except RecursionError:
        raise InvalidInput(f"{field}: JSON nested too deeply", field=field) from None
    except json.JSONDecodeError as exc:
        message = f"{field}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise InvalidInput(message, field=field) from None


async def json_body(request: Request, limit: int) -> Any:
    data = await read_limited(request, limit)
    return parse_json(data)


async def json_or_form_body(request: Request, limit: int) -> tuple[Any, bytes | None]:
    """JSON, or a form with a ``json`` field and an optional ``upload`` image (Plate Recognizer)."""
    content_type = request.headers.get("content-type", "")
    if "multipart/form-data" not in content_type and "x-www-form-urlencoded" not in content_type:
        return await json_body(request, limit), None
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise InvalidInput("form bodies need a Content-Length", field="body")
    if int(declared) > limit:
        raise PayloadTooLarge(f"body is {declared} bytes; the limit is {limit}", field="body")
    form = await request.form(max_part_size=limit)
    raw = form.get("json")
    if not isinstance(raw, str):
        raise InvalidInput("json: form field missing", field="json")
    upload = form.get("upload")
    image = await upload.read() if upload is not None and not isinstance(upload, str) else None
    return parse_json(raw.encode(), "json"), image
