"""Page 3 结果 of the workspace: the results panel and what the analyst does with a result
(ledger, field verification, importing the verification, opening the folder)."""

from qgis.PyQt.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from ..compat import tr
from .results_panel import ResultsPanel


class ResultsPage(QWidget):
    """The dock connects the buttons; :meth:`update_buttons` enables them for a result."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.panel = ResultsPanel(self)
        layout.addWidget(self.panel, 1)
        self.ledger_button = self._button("exportLedgerButton", tr("Export ledger…"), tr(
            "Write the rectification ledger (Excel) of the flagged patches, or of every patch, "
            "optionally with before/after image thumbnails; the values analysts filled in an "
            "earlier ledger of the same name are kept."))
        self.fieldpack_button = self._button(
            "fieldpackButton", tr("Prepare field verification…"), tr(
                "Field sheets (PDF), image chips, a GeoPackage and QField project for the field "
                "team, and KML/KMZ, for every flagged patch of this result."))
        self.import_button = self._button("importVerificationButton",
                                          tr("Import verification…"), tr(
            "Bring a filled-in ledger (Excel) or the field team's GeoPackage back into this "
            "result, with the same checks; the list is refreshed afterwards."))
        self.refresh_button = self._button("refreshButton", tr("Refresh"), tr(
            "Read the result again, e.g. after a filled-in ledger was imported into it."))
        self.open_folder_button = self._button("openFolderButton", tr("Open result folder"))
        # Two rows: the dock's default width holds three buttons in Chinese, not five.
        grid = QGridLayout()
        for n, button in enumerate((self.ledger_button, self.fieldpack_button,
                                    self.import_button, self.refresh_button,
                                    self.open_folder_button)):
            grid.addWidget(button, n // 3, n % 3)
        layout.addLayout(grid)
        self.update_buttons(False, False, False)

    def _button(self, name, text, tip=""):
        button = QPushButton(text, self)
        button.setObjectName(name)
        if tip:
            button.setToolTip(tip)
        return button

    def update_buttons(self, have_result, have_layer, busy):
        """Enable what a result on disk (and its layer in the project) allows; ``busy`` while
        the ledger is being written."""
        self.open_folder_button.setEnabled(have_result)
        self.ledger_button.setEnabled(have_result and not busy)
        self.fieldpack_button.setEnabled(have_result)
        self.import_button.setEnabled(have_result and not busy)
        self.refresh_button.setEnabled(have_layer)
