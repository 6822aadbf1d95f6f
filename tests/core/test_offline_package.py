"""The offline package's wheel handling, on wheels built in the test (no network): what is
refused, how a wheel is unpacked, and the pins against the dependency table."""

import zipfile

import pytest

from plugin.dependencies import MODULES
from tools.offline_package import (
    GDAL_BUNDLING,
    PINS,
    marker_environment,
    read_pins,
    refusals,
    unpack,
)

WINDOWS = marker_environment("win_amd64", "3.12")


def _wheel(folder, filename, files, requires=()):
    """A wheel file holding ``files`` ({path: text}) and METADATA with ``requires``."""
    name, version = filename.split("-")[:2]
    metadata = "Metadata-Version: 2.1\nName: {}\nVersion: {}\nLicense: MIT\n{}".format(
        name, version, "".join(f"Requires-Dist: {r}\n" for r in requires))
    path = folder / filename
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return path


def test_pins_are_read_without_comments(tmp_path):
    pins = tmp_path / "pins.txt"
    pins.write_text("# header\nopenpyxl==3.1.5  # why\n\net-xmlfile==2.0.0\n")

    assert read_pins(pins) == [("openpyxl", "3.1.5"), ("et-xmlfile", "2.0.0")]


def test_a_wheel_carrying_a_gdal_library_is_refused(tmp_path):
    wheel = _wheel(tmp_path, "geothing-1.0-cp312-cp312-win_amd64.whl",
                   {"geothing/__init__.py": "", "geothing.libs/gdal-4c1a2f.dll": "x"})

    found = refusals(wheel, {"geothing"}, WINDOWS)

    assert found == [f"{wheel.name}: bundles geothing.libs/gdal-4c1a2f.dll"]


@pytest.mark.parametrize("library", ["rasterio.libs/libgdal-b3a1c2d4.so.34.3.8.5",
                                     "pyproj.libs/libproj-5b1e0a2c.so.25.9.3.0",
                                     "fiona/proj_data/proj.db"])
def test_a_wheel_carrying_gdal_or_proj_on_linux_is_refused(tmp_path, library):
    wheel = _wheel(tmp_path, "thing-1.0-cp311-cp311-manylinux2014_x86_64.whl",
                   {"thing/__init__.py": "", library: "x"})

    assert refusals(wheel, {"thing"}, WINDOWS) == [f"{wheel.name}: bundles {library}"]


def test_rasterio_is_refused_by_name_whatever_it_carries(tmp_path):
    wheel = _wheel(tmp_path, "rasterio-1.4.3-cp312-cp312-win_amd64.whl",
                   {"rasterio/__init__.py": ""})

    assert refusals(wheel, {"rasterio"}, WINDOWS) == [
        f"{wheel.name}: rasterio bundles its own GDAL/PROJ"]


def test_a_wheel_may_need_what_is_bundled_or_what_qgis_ships_but_nothing_else(tmp_path):
    wheel = _wheel(tmp_path, "thing-1.0-py3-none-any.whl", {"thing/__init__.py": ""},
                   requires=["numpy>=1.14", "et-xmlfile", "pytest; extra == 'test'",
                             "pywin32; sys_platform == 'linux'", "mystery>=2"])

    found = refusals(wheel, {"thing", "et-xmlfile"}, WINDOWS)

    assert found == [f"{wheel.name}: needs mystery, neither bundled nor in QGIS"]


def test_a_wheel_unpacks_its_modules_and_licence_and_leaves_out_scripts(tmp_path):
    wheel = _wheel(tmp_path, "thing-1.0-cp311-cp311-manylinux2014_x86_64.whl", {
        "thing/__init__.py": "", "thing/sub/part.py": "", "solo.py": "",
        "fast.cpython-311-x86_64-linux-gnu.so": "", "thing.libs/libgeos-1a2b.so.3": "",
        "thing-1.0.dist-info/LICENSE": "MIT", "thing-1.0.data/purelib/extra.py": "",
        "thing-1.0.data/scripts/thing-tool": ""})
    folder = tmp_path / "bundled"

    entry = unpack(wheel, folder)

    assert entry == {"distribution": "thing", "version": "1.0", "wheel": wheel.name,
                     "tag": "cp311-cp311-manylinux2014_x86_64",
                     "modules": ["extra", "fast", "solo", "thing"], "license": "MIT"}
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "extra.py", "fast.cpython-311-x86_64-linux-gnu.so", "solo.py",
        "thing-1.0.dist-info/LICENSE", "thing-1.0.dist-info/METADATA", "thing.libs/libgeos-1a2b.so.3",
        "thing/__init__.py", "thing/sub/part.py"]


def test_the_pins_carry_every_module_the_dependency_table_marks_offline():
    pinned = {name.lower() for name, _version in read_pins(PINS)}

    assert {m.distribution.lower() for m in MODULES.values() if m.offline} <= pinned
    assert not pinned & GDAL_BUNDLING
    assert all(version for _name, version in read_pins(PINS))
