from tests.alerts.conftest import camera, store_read  # type: ignore[attr-defined]  # noqa: F401
from tests.retention.conftest import store  # noqa: F401
