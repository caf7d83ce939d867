from tests.alerts.conftest import camera, store_read  # noqa: F401
from tests.retention.conftest import store  # noqa: F401
