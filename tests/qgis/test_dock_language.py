"""Under a Chinese QGIS the workspace speaks Chinese: no English in any text of its widgets, in
the progress it shows or in the errors it reports (survey abbreviations and file formats
excepted)."""

import re
from pathlib import Path

import pytest
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTranslator
from qgis.PyQt.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QTabWidget,
    QTableView,
    QWidget,
)

from dock_county import run_dock

#: Words that stay as they are in a Chinese interface: survey layer and field abbreviations,
#: formats, encodings, units, the rule-set format; and the test county's own layer names.
ALLOWED = {"JCTB", "DLTB", "YJJBNTTB", "STBHHX", "CZKFBJ", "XZQ", "CJXZQ", "PZYD", "DLBM", "DLMC",
           "JCBH", "YAML", "yaml", "yml", "QField", "KML", "KMZ", "PDF", "Excel", "GeoPackage",
           "gpkg", "xlsx", "CGCS", "GB", "UTF", "GBK", "cpg", "mu", "m", "tif", "tiff", "TIF",
           "GeoTIFF", "shp", "DLTB", "xzq", "jctb", "dltb", "yjjbnttb", "pzyd"}
WORD = re.compile(r"[A-Za-z]{2,}")
FILE_NAME = re.compile(r"[\w.-]+\.(gpkg|xlsx|xls|yaml|yml|shp|png|tif|pdf|qgs|kml|kmz)\b")
#: QGIS's own Chinese translation, which QGIS desktop installs: its widgets inside ours (the
#: file pickers' 浏览 button) speak through it.
QGIS_TRANSLATION = Path("/usr/share/qgis/i18n/qgis_zh-Hans.qm")


@pytest.fixture()
def qgis_chinese():
    translator = QTranslator()
    assert translator.load(str(QGIS_TRANSLATION))
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


def english_words(text):
    plain = re.sub(r"<[^>]+>", " ", text or "")  # rich-text tags
    plain = re.sub(r"(/|[A-Za-z]:\\)[^\s，。；：、（）\"]*", " ", plain)  # paths
    plain = FILE_NAME.sub(" ", plain)
    return [w for w in WORD.findall(plain) if w not in ALLOWED]


def widget_texts(root):
    """(where, text) of every text a user reads in a widget tree (not the data it shows)."""
    widgets = [root] + root.findChildren(QWidget)
    for widget in widgets:
        name = f"{type(widget).__name__} {widget.objectName()}"
        yield name + " tooltip", widget.toolTip()
        yield name + " title", widget.windowTitle()
        # A file picker's link shows the file's own name: data, not our text.
        if isinstance(widget, (QLabel, QAbstractButton)) \
                and not widget.text().startswith('<a href="file:'):
            yield name, widget.text()
        if isinstance(widget, QGroupBox):
            yield name, widget.title()
        if isinstance(widget, QLineEdit):
            yield name + " placeholder", widget.placeholderText()
        if isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                yield name + " tab", widget.tabText(i)
        if isinstance(widget, QTableView) and widget.model() is not None:
            model = widget.model()
            for column in range(model.columnCount()):
                yield name + " header", model.headerData(column, Qt.Orientation.Horizontal)
        if isinstance(widget, QListWidget):
            for i in range(widget.count()):
                yield name + " item", widget.item(i).text()
        if isinstance(widget, QComboBox) and widget.objectName().endswith("Filter"):
            for i in range(widget.count()):
                yield name + " item", widget.itemText(i)


def english_in(root):
    return {(where, text) for where, text in widget_texts(root) if english_words(text)}


def test_the_words_check_sees_english():
    assert english_words("Run analysis") == ["Run", "analysis"]
    assert english_words("图层 JCTB：无 .cpg 编码说明，已按 GB18030 读取") == []


def test_no_english_in_the_workspace_before_and_after_a_run(qgis_chinese, chinese_dock,
                                                            county_layers, qtbot):
    dock = chinese_dock
    assert english_in(dock) == set()
    dock.recognise_layers()
    dock.check_data()
    steps = []
    dock.run_page.status_label.setText = lambda text, real=dock.run_page.status_label.setText: (
        steps.append(text), real(text))[1]

    run_dock(dock, qtbot)

    assert english_in(dock) == set()
    assert steps and not [s for s in steps if english_words(s)]
    assert "叠加 永久基本农田（yjjbnttb.gpkg）" in steps


def test_no_english_in_the_ledger_dialog(qgis_chinese, chinese_dock):
    from plugin.gui.ledger_dialog import LedgerDialog

    assert english_in(LedgerDialog("/tmp/整改台账.xlsx")) == set()


def test_errors_of_a_bad_job_file_are_chinese(chinese_dock, tmp_path, message_bar):
    job = tmp_path / "job.yaml"
    job.write_text("patches: {path: data/jctb.gpkg, layer: JCTB\n", encoding="utf-8")

    assert not chinese_dock.open_job_file(str(job))

    texts = [item.text() for item in message_bar.items()]
    assert len(texts) == 1 and not english_words(texts[0]), texts
