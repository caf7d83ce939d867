"""Every table, imported in one place so that Alembic and the tests see the whole schema."""

from plateguard.accounts.models import Agency, LoginSession, User, UserRole
from plateguard.cameras.models import Camera, CameraLogEntry
from plateguard.database import Base
from plateguard.reads.models import PlateRead, StoredImage

metadata = Base.metadata

__all__ = [
    "Agency",
    "Camera",
    "CameraLogEntry",
    "LoginSession",
    "PlateRead",
    "StoredImage",
    "User",
    "UserRole",
    "metadata",
]
