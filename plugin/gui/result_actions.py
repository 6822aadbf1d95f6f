"""What the analyst does with a result from the workspace: the ledger (a dialog with the options
Processing has, written in the background), field verification and importing the verification
(the Processing dialogs, prefilled), each ending with buttons to open what was made."""

import os

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import QObject
from qgis.PyQt.QtWidgets import QDialog

from ..compat import tr
from ..identity import PROVIDER_ID
from .ledger_dialog import LedgerDialog
from .messages import log, open_path
from .task import BAD_INPUT, FAILED, SUCCEEDED, LedgerExportTask

FIELDPACK_ALGORITHM_ID = f"{PROVIDER_ID}:fieldpack"
IMPORT_ALGORITHM_ID = f"{PROVIDER_ID}:importledger"


class ResultActions(QObject):
    """The result page's buttons, working on the dock's current result."""

    def __init__(self, dock):
        super().__init__(dock)
        self.dock = dock
        self.ledger_task = None
        page = dock.results_page
        page.ledger_button.clicked.connect(self.choose_ledger_file)
        page.fieldpack_button.clicked.connect(self.open_fieldpack_dialog)
        page.import_button.clicked.connect(self.open_import_dialog)
        page.refresh_button.clicked.connect(dock.refresh_results)
        page.open_folder_button.clicked.connect(dock.open_result_folder)

    def busy(self):
        return self.ledger_task is not None

    @property
    def state(self):
        return self.dock.state

    def _remember_images(self, before, after):
        self.state.before_image, self.state.after_image = before or "", after or ""
        self.dock.save_state()

    # ------------------------------------------------------------------ ledger

    def choose_ledger_file(self):
        folder = os.path.dirname(self.state.result_path)
        dialog = LedgerDialog(os.path.join(folder, tr("rectification ledger") + ".xlsx"),
                              self.state.before_image, self.state.after_image, self.dock)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        options = dialog.options()
        self._remember_images(options.before_image, options.after_image)
        return self.export_ledger(options.path, include_all=options.include_all,
                                  images=options.images())

    def export_ledger(self, path, **options):
        """Write the ledger of the current result to ``path`` in the background (``options``:
        export_ledger's include_all and images)."""
        if self.ledger_task is not None or not self.state.result_path:
            return False
        task = LedgerExportTask(tr("Land supervision: export ledger"), self.state.result_path,
                                path, **options)
        task.done.connect(self._ledger_done)
        self.ledger_task = task
        self.dock.update_result_buttons()
        QgsApplication.taskManager().addTask(task)
        return True

    def _ledger_done(self, task):
        self.ledger_task = None
        self.dock.update_result_buttons()
        messages = self.dock.messages
        if task.outcome == SUCCEEDED:
            report = task.result
            for line in report.lines():
                log(line)
            messages.push(tr("Ledger written: {0} patches.").format(report.rows),
                          Qgis.MessageLevel.Success, buttons=[
                              (tr("Open ledger"), lambda: open_path(report.path)),
                              (tr("Open folder"), lambda: open_path(os.path.dirname(
                                  report.path)))])
        elif task.outcome == BAD_INPUT:
            log(str(task.error), Qgis.MessageLevel.Critical)
            messages.push(tr("The ledger was not written."), Qgis.MessageLevel.Critical,
                          detail=str(task.error))
        elif task.outcome == FAILED:
            log(task.failure, Qgis.MessageLevel.Critical)
            messages.push(tr("The ledger export failed unexpectedly."),
                          Qgis.MessageLevel.Critical, with_log=True)

    # ------------------------------------------------------------------ Processing dialogs

    def fieldpack_parameters(self):
        """准备外业核查's parameters for this result: its folder and the images known."""
        folder = os.path.join(os.path.dirname(self.state.result_path), "fieldpack")
        parameters = {"RESULT": self.state.result_path, "OUTPUT_FOLDER": folder}
        for key, path in (("BEFORE", self.state.before_image), ("AFTER", self.state.after_image)):
            if path:
                parameters[key] = path
        return parameters

    def open_fieldpack_dialog(self):
        """The Processing dialog of 准备外业核查 filled in with this result (one code path for
        the dock, the toolbox and qgis_process); what it made, to open, after."""
        from qgis import processing

        if not self.state.result_path or not hasattr(processing, "execAlgorithmDialog"):
            return None
        results = processing.execAlgorithmDialog(FIELDPACK_ALGORITHM_ID,
                                                 self.fieldpack_parameters())
        if results:
            self.fieldpack_done(results)
        return results

    def fieldpack_done(self, results):
        """Say a field pack is ready, with buttons to its PDF and its folder."""
        folder = results.get("OUTPUT_FOLDER") or os.path.dirname(results.get("GPKG") or "")
        buttons = []
        pdf = results.get("PDF")
        if pdf and os.path.exists(pdf):
            buttons.append((tr("Open PDF"), lambda: open_path(pdf)))
        if folder:
            buttons.append((tr("Open folder"), lambda: open_path(folder)))
        self.dock.messages.push(tr("Field verification pack ready: {0} patches.").format(
            int(results.get("PATCH_COUNT") or 0)), Qgis.MessageLevel.Success, buttons=buttons)

    def open_import_dialog(self):
        """The Processing dialog of 导入核查结果 for this result; the list is read again after."""
        from qgis import processing

        if not self.state.result_path or not hasattr(processing, "execAlgorithmDialog"):
            return None
        results = processing.execAlgorithmDialog(IMPORT_ALGORITHM_ID,
                                                 {"RESULT": self.state.result_path})
        self.dock.refresh_results()
        return results

    def close_down(self):
        if self.ledger_task is not None:
            task, self.ledger_task = self.ledger_task, None
            task.done.disconnect(self._ledger_done)
