"""metadata.txt: what QGIS and plugins.qgis.org need to install and list the plugin."""

import configparser
import re
from pathlib import Path

import pytest
from qgis.core import Qgis
from qgis.PyQt.QtSvg import QSvgRenderer

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = (
    "name", "qgisMinimumVersion", "qgisMaximumVersion", "description", "about", "version",
    "author", "email", "homepage", "tracker", "repository", "category", "icon", "tags",
    "experimental", "changelog", "hasProcessingProvider",
)
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{4,}\b.*\b[A-Za-z]{4,}\b")


@pytest.fixture(scope="module")
def general():
    parser = configparser.ConfigParser()
    # The way QGIS reads it (qgis.utils.findPlugins): UTF-8, configparser.
    with open(REPO_ROOT / "metadata.txt", encoding="utf-8") as f:
        parser.read_file(f)
    return parser["general"]


def _version_tuple(text):
    return tuple(int(part) for part in text.split("."))


@pytest.mark.parametrize("key", REQUIRED)
def test_required_key_is_present_and_filled(general, key):
    assert general.get(key, "").strip(), f"metadata.txt lacks {key}"


def test_version_is_three_numbers(general):
    assert re.fullmatch(r"\d+\.\d+\.\d+", general["version"])


def test_supports_qgis_322_up_to_qgis_4(general):
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["qgisMaximumVersion"] == "4.99"
    assert "supportsQt6" not in general  # deprecated: qgisMaximumVersion says it


def test_running_qgis_is_within_the_declared_range(general):
    running = (Qgis.QGIS_VERSION_INT // 10000, Qgis.QGIS_VERSION_INT // 100 % 100)

    assert _version_tuple(general["qgisMinimumVersion"]) <= running
    assert running <= _version_tuple(general["qgisMaximumVersion"])


@pytest.mark.parametrize("key", ["description", "about"])
def test_text_is_in_english_and_chinese(general, key):
    assert CJK.search(general[key]), f"{key} has no Chinese"
    assert ENGLISH_WORDS.search(CJK.sub(" ", general[key])), f"{key} has no English"


def test_description_is_one_line(general):
    assert "\n" not in general["description"].strip()


def test_icon_is_a_valid_svg_at_the_declared_path(general):
    icon = REPO_ROOT / general["icon"]

    assert icon.is_file()
    assert QSvgRenderer(str(icon)).isValid()


@pytest.mark.parametrize("key", ["homepage", "tracker", "repository"])
def test_links_are_https_urls(general, key):
    assert re.fullmatch(r"https://[^\s]+", general[key])


@pytest.mark.parametrize("key", ["experimental", "deprecated", "server"])
def test_flags_are_booleans(general, key):
    assert general[key] in ("True", "False")


def test_changelog_mentions_the_current_version(general):
    assert general["version"] in general["changelog"]


def test_the_licence_is_stated_as_gpl_2_or_later(general):
    assert "GPL-2.0-or-later" in general["about"]
    assert (REPO_ROOT / "LICENSE").read_text(encoding="ascii").lstrip().startswith(
        "GNU GENERAL PUBLIC LICENSE")
