"""Reading an HTML form into a Pydantic model, with list fields (checkboxes) kept as lists.

Forms are read by async dependencies (the body arrives on the event loop); the routes that use them are
plain ``def`` functions, so their database work runs in the thread pool and never blocks the event loop
(on SQLite a blocked loop cannot finish the request that holds the write lock).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from plateguard.errors import InvalidInput, invalid_input_from
from plateguard.web.access_rules import Gate, rule_for

M = TypeVar("M", bound=BaseModel)


async def refuse_nul(request: Request) -> None:
    """No query string or plain form holding the NUL character reaches a route (422 naming the field):
    PostgreSQL stores no NUL in text (a 500 there) and SQLite would keep it silently. The form is the one
    Starlette caches for the route; the device doors read their bodies raw and check them themselves."""
    fields = list(request.query_params.multi_items())
    route = getattr(request.scope.get("route"), "path", "")
    form_body = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if form_body and rule_for(request.method, route) is not Gate.DEVICE_TOKEN:
        form = await request.form()
        fields += [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    for name, value in fields:
        if "\x00" in name or "\x00" in value:
            field = name.replace("\x00", "") or "query"
            raise InvalidInput(f"{field} holds a NUL character (0x00), which no text may hold", field=field)


async def read_form(request: Request) -> FormData:
    """The request's form (Starlette parses it once and caches it for the CSRF check)."""
    return await request.form()


RequestForm = Annotated[FormData, Depends(read_form)]


def form_model(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency validating the form as ``model``: ``Annotated[M, Depends(form_model(M))]``."""

    async def dependency(request: Request) -> M:
        return validate_form(await request.form(), model)

    return dependency


def validate_form(form: FormData, model: type[M]) -> M:
    data: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        field = model.model_fields.get(key)
        is_list = field is not None and "list" in str(field.annotation)
        data[key] = values if is_list else values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input_from(exc.errors()) from exc
