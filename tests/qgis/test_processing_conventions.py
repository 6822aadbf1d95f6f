"""QGIS's conventions for a plugin and its Processing algorithms: the bundled help page behind
each algorithm's help button, keywords the toolbox search finds in Chinese and English, a
refusal in Chinese where QGIS lacks a module (never an ImportError), settings under the
plugin's own node, and one log tag whatever the interface language."""

import re
import sys
from pathlib import Path

import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsSettings,
)
from qgis.gui import QgsProcessingToolboxProxyModel
from qgis.PyQt.QtCore import QModelIndex, QUrl

from plugin import dependencies
from plugin.gui.job_state import JobState, remember_defaults
from plugin.identity import LOG_TAG, PROVIDER_ID, SETTINGS_PREFIX
from plugin.processing.base_algorithm import ALGORITHM_FEATURES

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests"))
from import_blocker import hidden_modules  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def algorithms(loaded_plugin):
    return QgsApplication.processingRegistry().providerById(PROVIDER_ID).algorithms()


def test_every_algorithm_opens_its_own_section_of_the_bundled_guide(algorithms):
    html = (REPO_ROOT / "resources" / "help" / "index.html").read_text(encoding="utf-8")

    for algorithm in algorithms:
        url = QUrl(algorithm.helpUrl())
        assert url.isLocalFile(), algorithm.id()
        assert Path(url.toLocalFile()) == REPO_ROOT / "resources" / "help" / "index.html"
        assert url.fragment() == algorithm.name()
        assert f'id="{algorithm.name()}"' in html


def test_every_algorithm_has_chinese_and_english_keywords(algorithms):
    for algorithm in algorithms:
        tags = algorithm.tags()
        assert any(CJK.search(t) for t in tags), algorithm.id()
        assert any(re.fullmatch(r"[A-Za-z][A-Za-z ]+", t) for t in tags), algorithm.id()


def _toolbox_ids(search):
    model = QgsProcessingToolboxProxyModel(None, QgsApplication.processingRegistry())
    model.setFilterString(search)
    found = []

    def walk(parent):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            algorithm = model.toolboxModel().algorithmForIndex(model.mapToSource(index))
            if algorithm is not None:
                found.append(algorithm.id())
            walk(index)

    walk(QModelIndex())
    return found


@pytest.mark.parametrize("search, algorithm", [("卫片执法", "analyselayers"),
                                               ("整改台账", "exportledger"),
                                               ("奥维", "fieldpack"),
                                               ("rectification", "exportledger")])
def test_the_toolbox_search_finds_an_algorithm_by_a_keyword(english_locale, loaded_plugin,
                                                            search, algorithm):
    assert f"{PROVIDER_ID}:{algorithm}" in _toolbox_ids(search)


def test_every_algorithm_knows_the_modules_it_needs(algorithms):
    assert {a.name() for a in algorithms} == set(ALGORITHM_FEATURES)


class _Feedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.errors = []

    def reportError(self, error, fatalError=False):  # noqa: N802, N803 (QGIS API)
        self.errors.append(error)


def _ledger_parameters(tmp_path):
    return {"RESULT": str(tmp_path / "result.gpkg"), "OUTPUT": str(tmp_path / "ledger.xlsx")}


def test_an_algorithm_says_in_chinese_what_qgis_lacks_before_it_is_run(algorithms):
    export = next(a for a in algorithms if a.name() == "exportledger")

    with hidden_modules({"openpyxl"}):
        ok, message = export.canExecute()

    assert not ok
    assert message == dependencies.unavailable_text(dependencies.LEDGER_EXPORT, ["openpyxl"])


def test_processing_run_refuses_with_the_message_instead_of_an_import_error(
        qgis_processing, algorithms, tmp_path):
    from qgis import processing

    with hidden_modules({"openpyxl"}), pytest.raises(QgsProcessingException) as refused:
        processing.run(f"{PROVIDER_ID}:exportledger", _ledger_parameters(tmp_path))

    assert "openpyxl" in str(refused.value) and "导出整改台账" in str(refused.value)
    assert not (tmp_path / "ledger.xlsx").exists()


def test_a_run_that_skips_the_dialog_checks_is_refused_when_prepared(algorithms, tmp_path):
    """Models and qgis_process run an algorithm without the dialog's checks."""
    export = next(a for a in algorithms if a.name() == "exportledger").create()
    feedback = _Feedback()

    with hidden_modules({"openpyxl"}):
        _results, ok = export.run(_ledger_parameters(tmp_path), QgsProcessingContext(), feedback)

    assert not ok
    assert any("openpyxl" in error and "安装" in error for error in feedback.errors)
    assert not (tmp_path / "ledger.xlsx").exists()


def test_an_algorithm_with_its_modules_present_may_run(algorithms):
    assert all(a.canExecute() == (True, "") for a in algorithms)


@pytest.fixture()
def settings_written():
    """A function giving the settings keys written since the test began (the plugin's own
    node emptied first, and again afterwards)."""
    settings = QgsSettings()
    settings.remove(SETTINGS_PREFIX.rstrip("/"))
    before = set(settings.allKeys())
    yield lambda: set(QgsSettings().allKeys()) - before
    settings.remove(SETTINGS_PREFIX.rstrip("/"))


def test_every_setting_the_plugin_writes_lives_under_its_own_node(
        qgis_iface, settings_written, monkeypatch, qtbot, tmp_path):
    from plugin import classFactory

    main_window = qgis_iface.mainWindow()
    monkeypatch.setattr(qgis_iface, "addDockWidget", main_window.addDockWidget)
    main_window.show()
    instance = classFactory(qgis_iface)
    instance.initGui()
    try:
        instance.dock_action.trigger()  # the dock's first opening sizes it, remembered
        qtbot.waitUntil(instance.dock.isVisible)
        remember_defaults(JobState(rules=str(tmp_path / "rules.yaml"), out_dir=str(tmp_path)))
    finally:
        instance.unload()
        main_window.hide()

    assert settings_written() == {SETTINGS_PREFIX + key
                                  for key in ("dock_sized", "rules", "out_dir")}
    assert SETTINGS_PREFIX == "plugins/land_supervision/"


@pytest.mark.parametrize("locale", ["chinese_locale", "english_locale"])
def test_the_plugin_logs_under_one_tag_whatever_the_language(request, locale, log_messages,
                                                             qgis_iface):
    from plugin import classFactory

    request.getfixturevalue(locale)
    instance = classFactory(qgis_iface)
    instance.initGui()
    instance.unload()

    tags = {tag for tag, _level, _message in log_messages}
    assert LOG_TAG in tags
    assert not {t for t in tags if t != LOG_TAG and ("土地" in t or "Land" in t)}
