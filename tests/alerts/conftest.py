from tests.hotlists.conftest import camera, store_read, trained  # noqa: F401
