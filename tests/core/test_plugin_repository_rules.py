"""The replay of plugins.qgis.org's upload rules sees each way a zip breaks them (the real
packages are checked in tests/e2e/test_repository_rules.py)."""

import zipfile

import pytest

from tools import plugin_repository_rules
from tools.plugin_repository_rules import problems

METADATA = """[general]
name=Probe
description=A probe
about=A probe plugin
version=1.0.0
qgisMinimumVersion=3.22
author=Someone
email=someone@example.org
tracker=https://example.org/probe/issues
repository=https://example.org/probe
icon=icon.svg
"""


def _zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def _plugin(**changes):
    """The files of an acceptable plugin, with ``changes`` ({name: text or None}) applied."""
    files = {"probe/__init__.py": "", "probe/metadata.txt": METADATA, "probe/LICENSE": "GPL",
             "probe/icon.svg": "<svg/>"}
    for name, text in changes.items():
        if text is None:
            files.pop(name)
        else:
            files[name] = text
    return files


def test_an_acceptable_plugin_passes(tmp_path):
    assert problems(_zip(tmp_path / "p.zip", _plugin())) == []


@pytest.mark.parametrize("changes, problem", [
    ({"probe/LICENSE": None}, "no LICENSE in the plugin folder"),
    ({"probe/__init__.py": None}, "no __init__.py in the plugin folder"),
    ({"probe/x.pyc": "x"}, "a .pyc file: probe/x.pyc"),
    ({"probe/__pycache__/x.py": ""}, "a __pycache__ directory: probe/__pycache__/x.py"),
    ({"probe/.git/config": ""}, "a .git directory: probe/.git/config"),
    ({"other/readme.txt": ""}, "more than one top folder: other, probe"),
    ({"probe/metadata.txt": METADATA.replace("tracker=https://example.org/probe/issues\n", "")},
     "metadata.txt lacks tracker"),
    ({"probe/metadata.txt": METADATA.replace("https://example.org/probe\n", "http://repo\n")},
     "metadata.txt: repository is no valid URL: 'http://repo'"),
    ({"probe/metadata.txt": METADATA.replace("https://example.org/probe\n", "example.org\n")},
     "metadata.txt: repository is no valid URL: 'example.org'"),
    ({"probe/metadata.txt": METADATA.replace("author=Someone", "author=Someone/Else")},
     "metadata.txt: the author name contains a slash"),
    ({"probe/icon.svg": None}, "metadata.txt: the icon icon.svg is not in the zip"),
])
def test_each_broken_rule_is_named(tmp_path, changes, problem):
    assert problems(_zip(tmp_path / "p.zip", _plugin(**changes))) == [problem]


def test_a_top_folder_that_is_no_pep8_package_name_is_refused(tmp_path):
    files = {name.replace("probe/", "Probe-Plugin/"): text for name, text in _plugin().items()}

    assert problems(_zip(tmp_path / "p.zip", files)) == [
        "the top folder 'Probe-Plugin' is no PEP 8 package name"]


def test_a_zip_over_the_upload_limit_is_refused(tmp_path, monkeypatch):
    package = _zip(tmp_path / "p.zip", _plugin())
    monkeypatch.setattr(plugin_repository_rules, "MAX_SIZE", package.stat().st_size - 1)

    assert problems(package) == [
        f"the zip has {package.stat().st_size} bytes, over {package.stat().st_size - 1}"]


def test_a_file_that_is_no_zip_is_refused(tmp_path):
    path = tmp_path / "p.zip"
    path.write_bytes(b"not a zip")

    assert problems(path) == ["the file is no zip"]
