"""Every table, imported in one place so that Alembic and the tests see the whole schema."""

from plateguard.access_log.models import AccessChainHead, AccessLogAnchor, AccessRecord
from plateguard.accounts.models import (
    Agency,
    JobTitle,
    LoginSession,
    RoleSetting,
    SignInFailure,
    User,
    UserRole,
)
from plateguard.accounts.training import TrainingCourse, TrainingRecord
from plateguard.alerts.models import Alert, AlertDelivery
from plateguard.audits.models import Audit, AuditItem, SecurityIncident
from plateguard.cameras.models import Camera, CameraLogEntry, DeviceToken
from plateguard.database import Base
from plateguard.evidence.models import EvidenceExport
from plateguard.hotlists.models import Hotlist, HotlistEntry, HotlistGrant, HotlistNotice
from plateguard.ingest.models import DeadLetter
from plateguard.places.models import AddressPoint
from plateguard.reads.models import PlateRead, PlateReadId, PlateReadRevision, StoredImage
from plateguard.retention.models import (
    DestructionRecord,
    HeldRead,
    LegalHold,
    PendingFileDeletion,
    RetentionSchedule,
)
from plateguard.sharing.models import ReleaseRequest

metadata = Base.metadata

__all__ = [
    "AccessChainHead",
    "AccessLogAnchor",
    "AccessRecord",
    "AddressPoint",
    "Agency",
    "Alert",
    "AlertDelivery",
    "Audit",
    "AuditItem",
    "Camera",
    "CameraLogEntry",
    "DeadLetter",
    "DestructionRecord",
    "DeviceToken",
    "EvidenceExport",
    "HeldRead",
    "Hotlist",
    "HotlistEntry",
    "HotlistGrant",
    "HotlistNotice",
    "JobTitle",
    "LegalHold",
    "LoginSession",
    "PendingFileDeletion",
    "PlateRead",
    "PlateReadId",
    "PlateReadRevision",
    "ReleaseRequest",
    "RetentionSchedule",
    "RoleSetting",
    "SecurityIncident",
    "SignInFailure",
    "StoredImage",
    "TrainingCourse",
    "TrainingRecord",
    "User",
    "UserRole",
    "metadata",
]
