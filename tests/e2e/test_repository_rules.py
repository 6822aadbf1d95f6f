"""Both zips pass a replay of the plugin repository's upload rules, and carry the licence."""

import zipfile
from pathlib import Path

import pytest

from tools.plugin_repository_rules import problems

REPO_ROOT = Path(__file__).resolve().parents[2]
NAME = "land_supervision"


@pytest.fixture(params=["package", "offline_package"])
def any_package(request):
    return request.getfixturevalue(request.param)


def test_the_zip_passes_the_plugin_repository_rules(any_package):
    assert problems(any_package) == []


def test_the_zip_carries_the_gpl_text_of_the_repository(any_package):
    with zipfile.ZipFile(any_package) as archive:
        licence = archive.read(f"{NAME}/LICENSE")

    assert licence == (REPO_ROOT / "LICENSE").read_bytes()
    assert licence.decode("ascii").lstrip().startswith(
        "GNU GENERAL PUBLIC LICENSE\n                       Version 2, June 1991")


def test_the_zip_carries_the_help_page(any_package):
    with zipfile.ZipFile(any_package) as archive:
        assert f"{NAME}/resources/help/index.html" in archive.namelist()
