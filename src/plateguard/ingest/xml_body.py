"""Camera pushes in XML (Hikvision ISAPI), JSON, or multipart with the event and its pictures.

XML is parsed with defusedxml: entity expansion, external entities and DTDs are refused.
"""

from __future__ import annotations

from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from fastapi import Request
from starlette.datastructures import UploadFile

from plateguard.errors import InvalidInput, PayloadTooLarge
from plateguard.ingest.body import parse_json, read_limited

MAX_DEPTH = 32


def _tag(element: Any) -> str:
    return str(element.tag).rsplit("}", 1)[-1]  # without the namespace


def element_to_dict(element: Any, depth: int = 0) -> Any:
    """Children by tag (a repeated tag becomes a list); a leaf becomes its text."""
    if depth > MAX_DEPTH:
        raise InvalidInput("body: XML nested too deeply", field="body")
    children = list(element)
    if not children:
        return (element.text or "").strip()
    result: dict[str, Any] = {}
    for child in children:
        value = element_to_dict(child, depth + 1)
        tag = _tag(child)
        if tag in result:
            existing = result[tag]
            result[tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[tag] = value
    return result


def parse_xml_or_json(data: bytes, field: str = "body") -> Any:
    if data.lstrip()[:1] != b"<":
        return parse_json(data, field)
    try:
        root = fromstring(data)
    except (DefusedXmlException, SyntaxError, ValueError) as exc:
        raise InvalidInput(f"{field}: malformed or refused XML ({exc})"[:300], field=field) from None
    return {_tag(root): element_to_dict(root)}


async def event_and_pictures(request: Request, limit: int) -> tuple[Any, dict[str, bytes]]:
    """The event (XML or JSON) and, from a multipart push, its pictures by file name."""
    content_type = request.headers.get("content-type", "")
    if "multipart/form-data" not in content_type:
        return parse_xml_or_json(await read_limited(request, limit)), {}
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise InvalidInput("form bodies need a Content-Length", field="body")
    if int(declared) > limit:
        raise PayloadTooLarge(f"body is {declared} bytes; the limit is {limit}", field="body")
    form = await request.form(max_part_size=limit)
    event: Any = None
    pictures: dict[str, bytes] = {}
    for name, part in form.multi_items():
        if isinstance(part, str):
            event = parse_xml_or_json(part.encode(), name) if event is None else event
            continue
        data = await _read(part)
        filename = part.filename or name
        if filename.lower().endswith((".xml", ".json")) or "xml" in (part.content_type or ""):
            event = parse_xml_or_json(data, filename)
        else:
            pictures[filename] = data
    if event is None:
        raise InvalidInput("body: no event part (XML or JSON) in the form", field="body")
    return event, pictures


async def _read(part: UploadFile) -> bytes:
    return await part.read()
