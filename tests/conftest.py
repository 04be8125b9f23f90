import pytest


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="re-record tests/golden/*/expected.csv and expected.sql from the current engine")


@pytest.fixture(scope="session")
def update_goldens(request):
    return request.config.getoption("--update-goldens")


@pytest.fixture(scope="session")
def sample_db():
    import kqlite

    return kqlite.sample()
