"""导出整改台账…: where the ledger goes and the options Processing's 导出整改台账 offers (every
patch or only the flagged ones, before/after image thumbnails)."""

import os
from dataclasses import dataclass

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel

from ..compat import tr


@dataclass
class LedgerOptions:
    path: str
    include_all: bool = False
    before_image: str = ""
    after_image: str = ""

    def images(self):
        """export_ledger's ``images`` ({column: path}) of the images given."""
        return {column: path for column, path in (("前时相", self.before_image),
                                                  ("后时相", self.after_image)) if path}


class LedgerDialog(QDialog):
    """Asks where to write the ledger and how; :meth:`options` once accepted."""

    def __init__(self, path, before_image="", after_image="", parent=None):
        super().__init__(parent)
        self.setObjectName("ledgerDialog")
        self.setWindowTitle(tr("Export ledger"))
        self.setMinimumWidth(480)
        form = QFormLayout(self)
        self.path_widget = QgsFileWidget(self)
        self.path_widget.setObjectName("ledgerPath")
        self.path_widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.path_widget.setFilter(tr("Excel workbook (*.xlsx)"))
        self.path_widget.setFilePath(path)
        self.path_widget.fileChanged.connect(self._update_ok)
        form.addRow(tr("Ledger file"), self.path_widget)
        self.all_check = QCheckBox(tr("Every patch, not only those judged illegal or to verify"),
                                   self)
        self.all_check.setObjectName("ledgerAll")
        form.addRow(self.all_check)
        self.before_widget = self._image_widget("ledgerBefore", before_image)
        self.after_widget = self._image_widget("ledgerAfter", after_image)
        form.addRow(tr("Before image (thumbnail column)"), self.before_widget)
        form.addRow(tr("After image (thumbnail column)"), self.after_widget)
        note = QLabel(tr("An existing ledger of that name is replaced after a backup copy is "
                         "made; the values analysts wrote in it are kept."), self)
        note.setWordWrap(True)
        form.addRow(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Export"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._update_ok()

    def _image_widget(self, name, path):
        widget = QgsFileWidget(self)
        widget.setObjectName(name)
        widget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        widget.setFilter(tr("GeoTIFF (*.tif *.tiff *.TIF);;All files (*.*)"))
        widget.lineEdit().setPlaceholderText(tr("(none)"))
        widget.setFilePath(path)
        return widget

    def _update_ok(self, *_):
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            bool(self.path_widget.filePath().strip()))

    def options(self) -> LedgerOptions:
        path = self.path_widget.filePath().strip()
        if path and not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        return LedgerOptions(path=os.path.abspath(path) if path else "",
                             include_all=self.all_check.isChecked(),
                             before_image=self.before_widget.filePath().strip(),
                             after_image=self.after_widget.filePath().strip())
