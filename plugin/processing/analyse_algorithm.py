"""图斑叠加分析与违法判定: run a job file through the engine and return its GeoPackage."""

import os

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
)
from qgis.PyQt.QtGui import QIcon

from ..compat import SOURCE_TYPE_VECTOR_POLYGON, tr
from ..paths import icon_path

#: Layer names inside the result GeoPackage written by plugin.core.analysis.
PATCHES_LAYER = "patches"


class AnalyseAlgorithm(QgsProcessingAlgorithm):
    """Overlay the job's patches on its baselines and give each patch a verdict."""

    JOB = "JOB"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_GPKG = "OUTPUT_GPKG"
    PATCHES = "PATCHES"

    def name(self):
        return "analyse"

    def displayName(self):  # noqa: N802 (QGIS API)
        return tr("Patch overlay analysis and violation verdict")

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return tr(
            "<p>Overlays the monitoring patches named in a job file on the baselines "
            "(permanent basic farmland, farmland, ecological red line, urban development "
            "boundary) and the exemptions (approvals, facility-agriculture filings, temporary "
            "use), and gives every patch a verdict with its reasons.</p>"
            "<p><b>Job file</b>: the YAML file that names the input layers, their fields and the "
            "rule set.</p>"
            "<p><b>Output folder</b>: receives result.gpkg with the layers <i>patches</i> (one "
            "feature per input patch, with its verdict) and <i>overlaps</i> (the area each "
            "patch occupies in each baseline).</p>"
        )

    def icon(self):
        return QIcon(self.svgIconPath())

    def svgIconPath(self):  # noqa: N802 (QGIS API)
        return icon_path("analyse.svg")

    def createInstance(self):  # noqa: N802 (QGIS API)
        return AnalyseAlgorithm()

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        self.addParameter(
            QgsProcessingParameterFile(
                self.JOB,
                tr("Job file (YAML)"),
                fileFilter=tr("Job files (*.yaml *.yml)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, tr("Output folder"))
        )
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT_GPKG, tr("Result GeoPackage")))
        self.addOutput(
            QgsProcessingOutputVectorLayer(
                self.PATCHES, tr("Patches with verdicts"), SOURCE_TYPE_VECTOR_POLYGON
            )
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        # The engine pulls in geopandas; import it when the algorithm runs, not when QGIS
        # starts and loads the plugin.
        from ..core.analysis import run_analysis
        from ..core.errors import Cancelled, InputError
        from ..core.job import load_job

        job_path = self.parameterAsFile(parameters, self.JOB, context)
        out_dir = self.parameterAsFileOutput(parameters, self.OUTPUT_FOLDER, context)
        os.makedirs(out_dir, exist_ok=True)

        last_message = [None]

        def progress(fraction, message):
            feedback.setProgress(100.0 * fraction)
            if message and message != last_message[0]:
                last_message[0] = message
                feedback.setProgressText(message)

        try:
            job = load_job(job_path)
            result = run_analysis(job, out_dir, progress=progress, cancelled=feedback.isCanceled)
        except InputError as error:
            raise QgsProcessingException(str(error)) from error
        except Cancelled as error:
            raise QgsProcessingException(tr("Cancelled: nothing was written.")) from error

        for note in result.notes:
            feedback.pushWarning(str(note))
        for line in result.summary_lines():
            feedback.pushInfo(line)

        patches_uri = f"{result.result_path}|layername={PATCHES_LAYER}"
        if context.project() is not None:
            context.addLayerToLoadOnCompletion(
                patches_uri,
                QgsProcessingContext.LayerDetails(
                    tr("Patches with verdicts"), context.project(), self.PATCHES
                ),
            )
        return {
            self.OUTPUT_FOLDER: out_dir,
            self.OUTPUT_GPKG: result.result_path,
            self.PATCHES: patches_uri,
        }
