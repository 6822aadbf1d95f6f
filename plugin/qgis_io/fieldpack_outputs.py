"""What a field pack needs QGIS for: the QGIS/QField project and the field sheets, from
Processing or, through a headless QGIS, from the command line."""

import os

from qgis.core import QgsProcessingException

from .field_sheets import write_field_sheets
from .headless import running_qgis
from .qfield_project import write_qfield_project

SHEETS_NAME = "外业核查表.pdf"
QFIELD_NAME = "核查图斑.qgs"


def write_qgis_outputs(pack, sheets=True):
    """The project and (when ``sheets``) the field sheets of a core ``FieldPack``; returns
    (project path, PDF path or "")."""
    project = write_qfield_project(pack, os.path.join(pack.folder, QFIELD_NAME))
    pdf = ""
    if sheets and pack.patches:
        pdf = os.path.join(pack.folder, SHEETS_NAME)
        write_field_sheets(pack, pdf)
    return project, pdf


def write_qgis_outputs_headless(pack, sheets=True):
    """``write_qgis_outputs`` from a script: starts QGIS (offscreen without a display) unless
    it runs already. A failure is raised as the core's InputError, for the CLI to report; when
    this function starts QGIS, its messages are in Chinese like the rest of the CLI's (from the
    compiled zh_CN translation, when it is there)."""
    from ..core.errors import InputError

    with running_qgis():
        try:
            return write_qgis_outputs(pack, sheets)
        except QgsProcessingException as e:
            raise InputError(str(e), layer=pack.gpkg) from e
