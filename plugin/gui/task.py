"""The analysis as a QGIS background task: progress in the task manager, cancel honoured."""

import traceback

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

SUCCEEDED, CANCELLED, BAD_INPUT, FAILED = "succeeded", "cancelled", "bad input", "failed"


class AnalysisTask(QgsTask):
    """Runs ``run_analysis`` on a job given as the core's job dict, in a worker thread.

    ``stepped(fraction, message)`` is emitted from the worker thread when the engine moves to a
    new step; connect it to a QObject's method so Qt queues it to the main thread.
    ``done(task)`` is emitted on the main thread when the task ends, whatever the outcome;
    then ``outcome`` is one of SUCCEEDED, CANCELLED, BAD_INPUT, FAILED with ``result``,
    ``error`` (the InputError) or ``failure`` (a traceback) set accordingly.
    """

    stepped = pyqtSignal(float, str)
    done = pyqtSignal(object)

    def __init__(self, description, job_data, out_dir):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.job_data = job_data
        self.out_dir = out_dir
        self.outcome = CANCELLED
        self.result = None
        self.error = None
        self.failure = None
        self._last_message = None

    def run(self):
        # The engine pulls in numpy, pandas and GDAL: load it when a job runs, not with QGIS.
        from ..core.analysis import run_analysis
        from ..core.errors import Cancelled, InputError
        from ..core.job import job_from_dict

        try:
            job = job_from_dict(self.job_data, base_dir=self.out_dir)
            # Worker processes cannot be started from inside QGIS: one process, this thread.
            self.result = run_analysis(job, self.out_dir, progress=self._progress,
                                       cancelled=self.isCanceled, job_workers=1)
        except Cancelled:
            self.outcome = CANCELLED
            return False
        except InputError as error:
            self.outcome, self.error = BAD_INPUT, error
            return False
        except Exception:  # noqa: BLE001 - reported to the user with the traceback in the log
            self.outcome, self.failure = FAILED, traceback.format_exc()
            return False
        self.outcome = SUCCEEDED
        return True

    def _progress(self, fraction, message):
        self.setProgress(100.0 * fraction)
        if message != self._last_message:
            self._last_message = message
            self.stepped.emit(fraction, message)

    def finished(self, result):  # noqa: ARG002 (QGIS API; outcome says more)
        self.done.emit(self)
