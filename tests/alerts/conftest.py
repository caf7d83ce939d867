from tests.hotlists.conftest import camera, store_read, trained  # noqa: F401
from tests.web.conftest import chromium, live_server, page  # noqa: F401
