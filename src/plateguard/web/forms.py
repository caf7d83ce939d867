"""Reading an HTML form into a Pydantic model, with list fields (checkboxes) kept as lists."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from plateguard.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


async def parse_form(request: Request, model: type[M]) -> M:
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        field = model.model_fields.get(key)
        is_list = field is not None and "list" in str(field.annotation)
        data[key] = values if is_list else values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field_name}: {first['msg']}", field=field_name) from exc
