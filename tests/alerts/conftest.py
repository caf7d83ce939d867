from tests.hotlists.conftest import camera, store_read  # noqa: F401
