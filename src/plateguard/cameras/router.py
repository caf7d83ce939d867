"""Camera management pages for the Administrator (460.2)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
