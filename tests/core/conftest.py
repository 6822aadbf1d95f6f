import os
import shutil
import sys

import pytest

os.environ.setdefault("PROJ_DATA", "/usr/share/proj")
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(scope="module")
def county_result(tmp_path_factory):
    """The ledger tests' county (``test_ledger.build_county``), analysed once per module."""
    from test_ledger import build_county

    return build_county(tmp_path_factory.mktemp("county"))


@pytest.fixture
def result(county_result, tmp_path):
    """A private copy of the county's result."""
    path = tmp_path / "result.gpkg"
    shutil.copyfile(county_result, path)
    return str(path)


@pytest.fixture
def ledger(result, tmp_path):
    """The county's ledger, as exported."""
    from plugin.core.ledger.export import export_ledger

    path = tmp_path / "台账.xlsx"
    export_ledger(result, str(path))
    return str(path)
