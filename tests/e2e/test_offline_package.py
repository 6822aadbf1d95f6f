"""The offline package: what it carries, and on this machine, with the system's shapely, openpyxl
and Pillow hidden, the plugin's bundled Linux wheels standing in for them through a whole job.

The Windows zip is checked for its contents; its mechanism is the same code, exercised here with
the wheels for this Python (``offline_package_here``), run from the unpacked plugin folder.
"""

import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from osgeo import ogr

from tools.offline_package import GDAL_FILE, read_pins

REPO_ROOT = Path(__file__).resolve().parents[2]
NAME = "land_supervision"
sys.path.insert(0, str(REPO_ROOT / "tests"))
from import_blocker import PRELUDE, child_environment  # noqa: E402

#: What a stock Windows QGIS may lack, hidden from the system on this machine.
HIDDEN = {"shapely", "openpyxl", "et_xmlfile", "PIL"}


def _manifest(package):
    with zipfile.ZipFile(package) as archive:
        return json.loads(archive.read(f"{NAME}/bundled/manifest.json"))


@pytest.fixture(scope="module")
def installed(offline_package_here, tmp_path_factory):
    """The Linux offline zip unpacked as QGIS installs it: the plugins folder."""
    plugins = tmp_path_factory.mktemp("plugins")
    with zipfile.ZipFile(offline_package_here) as archive:
        archive.extractall(plugins)
    return plugins


def _run(installed, code, hide=frozenset()):
    """``code`` in a fresh interpreter that finds the installed plugin; its stdout."""
    completed = subprocess.run(
        [sys.executable, "-c", PRELUDE + "\n" + code], cwd=installed, capture_output=True,
        text=True, env=child_environment(hide, PYTHONPATH=str(installed)), timeout=300)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_the_windows_zip_carries_the_pinned_wheels_for_python_312(offline_package):
    manifest = _manifest(offline_package)

    assert offline_package.name.endswith("-offline-win_amd64-cp312.zip")
    assert (manifest["platform"], manifest["python"]) == ("win_amd64", "3.12")
    assert [(w["distribution"].lower().replace("_", "-"), w["version"])
            for w in manifest["wheels"]] == read_pins()
    assert all(w["tag"] in ("py3-none-any", "py2.py3-none-any", "cp312-cp312-win_amd64")
               for w in manifest["wheels"])


def test_the_windows_zip_carries_the_modules_unpacked_under_bundled(offline_package):
    with zipfile.ZipFile(offline_package) as archive:
        names = set(archive.namelist())

    for module in ("openpyxl", "et_xmlfile", "shapely", "PIL"):
        assert f"{NAME}/bundled/{module}/__init__.py" in names
    assert any(n.startswith(f"{NAME}/bundled/shapely/lib.cp312-win_amd64") for n in names)


@pytest.mark.parametrize("zip_fixture", ["offline_package", "offline_package_here"])
def test_no_file_of_an_offline_zip_is_a_gdal_or_proj_library(request, zip_fixture):
    with zipfile.ZipFile(request.getfixturevalue(zip_fixture)) as archive:
        assert [n for n in archive.namelist() if GDAL_FILE.search(n)] == []


def test_hidden_system_modules_are_served_from_the_bundled_wheels(installed):
    out = _run(installed, f"""
import json
from {NAME}.bundled import stand_ins, use_bundled_modules
names = use_bundled_modules()
import shapely, openpyxl, PIL, numpy
print(json.dumps({{"stand_ins": stand_ins(names), "shapely": shapely.__version__,
                  "files": [m.__file__ for m in (shapely, openpyxl, PIL, numpy)]}}))
""", HIDDEN)
    seen = json.loads(out)

    bundled = str(installed / NAME / "bundled")
    assert sorted(seen["stand_ins"]) == sorted(HIDDEN)
    assert [f.startswith(bundled) for f in seen["files"]] == [True, True, True, False]
    assert seen["shapely"] == dict(read_pins())["shapely"]


def test_modules_the_system_has_are_never_taken_from_the_bundle(installed):
    out = _run(installed, f"""
import json
from {NAME}.bundled import stand_ins, use_bundled_modules
names = use_bundled_modules()
import shapely, openpyxl
print(json.dumps({{"stand_ins": stand_ins(names), "shapely": shapely.__file__,
                  "openpyxl": openpyxl.__file__}}))
""")
    seen = json.loads(out)

    assert seen["stand_ins"] == []
    assert seen["shapely"].startswith("/usr/lib/python3/")
    assert seen["openpyxl"].startswith("/usr/lib/python3/")


def _job_and_ledger(installed, out_dir, hide):
    """The demo job and its ledger with both thumbnail columns, through the installed plugin's
    command line (which uses the bundle) with ``hide`` made absent; the shapely version and
    openpyxl file the run used."""
    demo = installed / NAME / "resources" / "demo"
    code = f"""
from {NAME}.cli import main
result = {str(out_dir / 'result.gpkg')!r}
assert main(['analyse', {str(demo / 'job.yaml')!r}, '--out', {str(out_dir)!r}, '-q']) == 0
assert main(['ledger', result, '--out', {str(out_dir / 'ledger.xlsx')!r}, '-q',
             '--before', {str(demo / 'data' / 'before.tif')!r},
             '--after', {str(demo / 'data' / 'after.tif')!r}]) == 0
import shapely, openpyxl
print(shapely.__version__, openpyxl.__file__)
"""
    return _run(installed, code, hide).split()[-2:]


@pytest.fixture(scope="module")
def runs(installed, tmp_path_factory):
    """The same job run twice: on the bundled wheels (system modules hidden) and on the
    system's modules; {run: (folder, shapely version, openpyxl file)}."""
    out = {}
    for run, hide in (("bundled", HIDDEN), ("system", set())):
        folder = tmp_path_factory.mktemp(run)
        out[run] = (folder, *_job_and_ledger(installed, folder, hide))
    return out


def _patches(path):
    """{patch_id: (verdict, area_m2, farmland_m2)} of a result."""
    source = ogr.Open(str(path))
    layer = source.GetLayerByName("patches")
    return {f["patch_id"]: (f["verdict"], f["area_m2"], f["farmland_m2"]) for f in layer}


def test_with_the_system_modules_hidden_the_job_runs_on_the_bundled_wheels(installed, runs):
    _folder, version, openpyxl_file = runs["bundled"]
    _folder, system_version, system_openpyxl = runs["system"]

    assert version == dict(read_pins())["shapely"] != system_version
    assert openpyxl_file.startswith(str(installed / NAME / "bundled"))
    assert system_openpyxl.startswith("/usr/lib/python3/")


def test_the_bundled_wheels_give_the_verdicts_and_areas_of_the_system_modules(runs):
    on_bundle, on_system = (_patches(runs[run][0] / "result.gpkg") for run in runs)

    assert on_bundle.keys() == on_system.keys() and len(on_bundle) == 55
    for patch_id, (verdict, area, farmland) in on_system.items():
        assert on_bundle[patch_id][0] == verdict
        assert math.isclose(on_bundle[patch_id][1], area, rel_tol=1e-9)
        assert math.isclose(on_bundle[patch_id][2], farmland, rel_tol=1e-9, abs_tol=1e-6)


def test_the_ledger_written_with_the_bundled_openpyxl_and_pillow_matches_the_systems(runs):
    import openpyxl

    sheets = {run: openpyxl.load_workbook(runs[run][0] / "ledger.xlsx")["整改台账"] for run in runs}

    assert sheets["bundled"].max_row == sheets["system"].max_row > 2
    assert len(sheets["bundled"]._images) == len(sheets["system"]._images) > 0
