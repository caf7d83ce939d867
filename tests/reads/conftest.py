from tests.hotlists.conftest import camera  # noqa: F401
