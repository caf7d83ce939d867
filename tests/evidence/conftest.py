from tests.retention.conftest import store  # noqa: F401
