"""The workspace's optional first step: change patches from two survey years (the Processing
algorithm 两期地类图斑变化提取与耕地进出平衡), which then become the patches to verify, and the
farmland balance chart shown in the dock."""

import datetime
import os

from qgis.core import QgsProject, QgsVectorLayer
from qgis.gui import QgsCollapsibleGroupBox
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ..compat import tr
from ..identity import PROVIDER_ID
from .field_mapping import guess_survey_years
from .layer_sources import named_layers
from .messages import open_path

DERIVE_ALGORITHM_ID = f"{PROVIDER_ID}:derivechanges"
#: Width of the balance chart in the dock (the dock is ~560 px wide).
CHART_WIDTH = 500


class ChangesStep(QgsCollapsibleGroupBox):
    """The change-derivation step; ``changes_ready(layer)`` when change patches are loaded."""

    changes_ready = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(tr("Change patches from two survey years"), parent)
        self.setObjectName("changesStep")
        # Open exactly when there is something to show, not as a previous session left it.
        self.setSaveCollapsedState(False)
        self.setCollapsed(True)
        self.results = {}
        layout = QVBoxLayout(self)
        intro = QLabel(tr(
            "No monitoring patches? Compare the land parcels (DLTB) of two survey years: "
            "every change becomes a patch to verify, and the farmland balance sheet is "
            "written beside it."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.derive_button = QPushButton(tr("Derive change patches…"), self)
        self.derive_button.setObjectName("deriveChangesButton")
        self.derive_button.clicked.connect(self.open_dialog)
        self.sheet_button = QPushButton(tr("Open balance sheet"), self)
        self.sheet_button.setObjectName("openBalanceButton")
        self.sheet_button.clicked.connect(lambda: self._open("BALANCE_XLSX"))
        self.chart_button = QPushButton(tr("Open chart"), self)
        self.chart_button.setObjectName("openChartButton")
        self.chart_button.clicked.connect(lambda: self._open("BALANCE_CHART"))
        for button in (self.derive_button, self.sheet_button, self.chart_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("changesSummary")
        self.summary_label.setWordWrap(True)
        self.chart_label = QLabel(self)
        self.chart_label.setObjectName("balanceChart")
        self.chart_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.chart_label)
        self.out_dir = ""
        self._open_when_shown = False
        self._show_outputs()

    def showEvent(self, event):  # noqa: N802 (Qt API)
        super().showEvent(event)
        # QgsCollapsibleGroupBox only opens while it is visible.
        if self._open_when_shown:
            self._open_when_shown = False
            self.setCollapsed(False)

    def open_dialog(self):
        """The Processing dialog, its two years guessed from the layer names and its output
        in a dated folder of the output folder; its results are used when it ran."""
        from qgis import processing

        if not hasattr(processing, "execAlgorithmDialog"):
            return None
        results = processing.execAlgorithmDialog(DERIVE_ALGORITHM_ID,
                                                 self.dialog_parameters(QgsProject.instance()))
        if results:
            self.use_results(results)
        return results

    def dialog_parameters(self, project):
        before, after = guess_survey_years(named_layers(project))
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        parameters = {"OUTPUT_FOLDER": os.path.join(self.out_dir, tr("change patches") + "-"
                                                    + stamp)}
        if before and after:
            parameters.update(BEFORE=before, AFTER=after)
        return parameters

    def use_results(self, results):
        """Show the balance of a finished derivation and hand its change patches on."""
        self.results = dict(results)
        self._show_outputs()
        layer = self._changes_layer(results.get("CHANGES"))
        if layer is not None:
            self.changes_ready.emit(layer)
        return layer

    def _changes_layer(self, uri):
        """The project's layer of the change patches (Processing loads it), else a new one."""
        if not uri:
            return None
        project = QgsProject.instance()
        for layer in project.mapLayers().values():
            if isinstance(layer, QgsVectorLayer) and layer.source() == uri:
                return layer
        from ..qgis_io.result_styles import CHANGES_STYLE, style_result_layer

        layer = QgsVectorLayer(uri, tr("Change patches"), "ogr")
        if not layer.isValid():
            return None
        style_result_layer(layer, CHANGES_STYLE)
        project.addMapLayer(layer)
        return layer

    def _show_outputs(self):
        results = self.results
        chart = results.get("BALANCE_CHART")
        have_chart = bool(chart) and os.path.exists(chart)
        self.sheet_button.setEnabled(bool(results.get("BALANCE_XLSX")))
        self.chart_button.setEnabled(have_chart)
        if not results:
            self.summary_label.clear()
            self.chart_label.clear()
            return
        self.setCollapsed(False)
        self._open_when_shown = not self.isVisible()
        self.summary_label.setText(tr(
            "{0} change patches ({1} slivers left out); they are now the patches to "
            "verify.").format(int(results.get("CHANGE_COUNT") or 0),
                              int(results.get("DROPPED_COUNT") or 0)))
        if have_chart:
            width = min(CHART_WIDTH, max(self.width() - 30, 200))
            self.chart_label.setPixmap(QPixmap(chart).scaledToWidth(
                width, Qt.TransformationMode.SmoothTransformation))
        else:
            self.chart_label.clear()

    def _open(self, key):
        path = self.results.get(key)
        if path:
            open_path(path)
