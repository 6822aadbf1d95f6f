"""Core work as QGIS background tasks: progress in the task manager, cancel honoured."""

import traceback

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from ..dependencies import missing_module_text
from .results_model import read_result_rows

SUCCEEDED, CANCELLED, BAD_INPUT, FAILED = "succeeded", "cancelled", "bad input", "failed"


class CoreTask(QgsTask):
    """Runs one core function in a worker thread; subclasses say which in :meth:`work`.

    ``stepped(fraction, message)`` is emitted from the worker thread when the core moves to a
    new step; connect it to a QObject's method so Qt queues it to the main thread.
    ``done(task)`` is emitted on the main thread when the task ends, whatever the outcome;
    then ``outcome`` is one of SUCCEEDED, CANCELLED, BAD_INPUT, FAILED with ``result``,
    ``error`` (the InputError) or ``failure`` (a traceback) set accordingly.
    """

    stepped = pyqtSignal(float, str)
    done = pyqtSignal(object)

    def __init__(self, description):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.outcome = CANCELLED
        self.result = None
        self.error = None
        self.failure = None
        self._last_step = None

    def work(self, progress, cancelled):
        """The core call; runs in the worker thread and returns the task's result."""
        raise NotImplementedError

    def run(self):
        from ..core.errors import Cancelled, InputError

        try:
            self.result = self.work(self._progress, self.isCanceled)
        except Cancelled:
            self.outcome = CANCELLED
            return False
        except InputError as error:
            self.outcome, self.error = BAD_INPUT, error
            return False
        except ModuleNotFoundError as error:
            message = missing_module_text(error.name)
            if message is None:
                self.outcome, self.failure = FAILED, traceback.format_exc()
            else:
                self.outcome, self.error = BAD_INPUT, message
            return False
        except Exception:  # noqa: BLE001 - reported to the user with the traceback in the log
            self.outcome, self.failure = FAILED, traceback.format_exc()
            return False
        self.outcome = SUCCEEDED
        return True

    def _progress(self, fraction, message):
        self.setProgress(100.0 * fraction)
        # The engine reports often; the dock needs a new message or a new whole percent.
        step = (message, int(100 * fraction))
        if step != self._last_step:
            self._last_step = step
            self.stepped.emit(fraction, message)

    def finished(self, result):  # noqa: ARG002 (QGIS API; outcome says more)
        self.done.emit(self)


class AnalysisTask(CoreTask):
    """``run_analysis`` on a job given as the core's job dict, writing into ``out_dir``.

    ``rows`` holds the result's flagged rows for the results table, read in the worker too, so
    the end of a county's run does not stall QGIS.
    """

    def __init__(self, description, job_data, out_dir):
        super().__init__(description)
        self.job_data = job_data
        self.out_dir = out_dir
        self.rows = None

    def work(self, progress, cancelled):
        # The engine pulls in numpy, pandas and GDAL: load it when a job runs, not with QGIS.
        from ..core.analysis import run_analysis
        from ..core.job import job_from_dict

        job = job_from_dict(self.job_data, base_dir=self.out_dir)
        # Worker processes cannot be started from inside QGIS: one process, this thread.
        result = run_analysis(job, self.out_dir, progress=progress, cancelled=cancelled,
                              job_workers=1)
        self.rows = read_result_rows(result.result_path)
        return result


class ResultRowsTask(CoreTask):
    """The flagged rows of a result GeoPackage for the results table (``read_result_rows``)."""

    def __init__(self, description, result_path):
        super().__init__(description)
        self.result_path = result_path

    def work(self, progress, cancelled):
        return read_result_rows(self.result_path)


class LedgerExportTask(CoreTask):
    """``export_ledger``: the rectification ledger (xlsx) of a result GeoPackage.

    ``options`` are export_ledger's (include_all, images). An existing ledger at ``out_path``
    is replaced (the core keeps a backup and carries the values analysts wrote in it), as the
    file dialog has asked the analyst already.
    """

    def __init__(self, description, result_path, out_path, **options):
        super().__init__(description)
        self.result_path = result_path
        self.out_path = out_path
        self.options = options

    def work(self, progress, cancelled):
        from ..core.ledger.export import export_ledger

        return export_ledger(self.result_path, self.out_path, overwrite=True,
                             progress=progress, cancelled=cancelled, **self.options)
