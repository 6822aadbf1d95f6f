"""Running the core inside a Processing algorithm: progress, cancel, errors, report."""

from contextlib import contextmanager

from qgis.core import QgsProcessingException

from ..compat import tr
from ..dependencies import missing_module_text


def progress_callback(feedback, start=0.0, span=1.0):
    """The core's ``progress(fraction, message)`` filling ``start`` .. ``start + span``
    (fractions of the whole run) of the feedback's bar; step messages become progress text."""
    last_message = [None]

    def progress(fraction, message):
        feedback.setProgress(100.0 * (start + span * fraction))
        if message and message != last_message[0]:
            last_message[0] = message
            feedback.setProgressText(message)

    return progress


@contextmanager
def core_errors():
    """The core's InputError and Cancelled, and a module this QGIS lacks, raised as
    QgsProcessingException with a message the user can act on (never an ImportError)."""
    from ..core.errors import Cancelled, InputError

    try:
        yield
    except InputError as error:
        raise QgsProcessingException(str(error)) from error
    except Cancelled as error:
        raise QgsProcessingException(cancelled_message()) from error
    except ModuleNotFoundError as error:
        message = missing_module_text(error.name)
        if message is None:
            raise
        raise QgsProcessingException(message) from error


def run_engine(job, out_dir, feedback, start=0.0, span=1.0):
    """Run ``plugin.core.analysis.run_analysis`` on ``job`` into ``out_dir``.

    Progress fills ``start`` .. ``start + span`` of the bar and the feedback's cancel stops the
    engine. Engine notes become warnings and its summary info lines. Bad input and cancel raise
    QgsProcessingException with the engine's message (nothing is written then).
    """
    progress = progress_callback(feedback, start, span)
    with core_errors():
        result = analyse(job, out_dir, progress, feedback.isCanceled, feedback.pushInfo)
    for note in result.notes:
        feedback.pushWarning(str(note))
    for line in result.summary_lines():
        feedback.pushInfo(line)
    return result


def analyse(job, out_dir, progress, cancelled, say=None):
    """The engine's AnalysisResult for ``job``: run in a Python process of its own (its worker
    pool included) where this installation has one, else in QGIS's process, one worker, which
    ``say`` reports."""
    from .engine_process import find_python, run_analysis_process

    python = find_python()
    if python is not None:
        return run_analysis_process(job, out_dir, python, progress, cancelled)
    if say is not None:
        say(tr("No separate Python found for the analysis: it runs inside QGIS, slower."))
    # The engine pulls in shapely: imported when an algorithm runs, not when
    # QGIS loads the plugin, and reported in Chinese where QGIS lacks them.
    from ..core.analysis import run_analysis

    # Never worker processes inside QGIS: they would start new QGIS interpreters.
    return run_analysis(job, out_dir, progress=progress, cancelled=cancelled, job_workers=1)


def cancelled_message():
    return tr("Cancelled: nothing was written.")
