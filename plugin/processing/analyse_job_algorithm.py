"""按任务文件运行图斑核查: run a job file through the engine and return its GeoPackage.

The id stays ``analyse``: batch files, models and scripts written for it keep working.
"""

import os

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
)

from ..compat import SOURCE_TYPE_VECTOR_POLYGON, tr
from .base_algorithm import LandSupervisionAlgorithm, previous_batch, previous_parameters
from ..qgis_io.engine_run import core_errors, run_engine
from ..qgis_io.result_styles import OVERLAPS_STYLE, PATCHES_STYLE, ResultStyler

#: Layer names inside the result GeoPackage written by plugin.core.analysis.
PATCHES_LAYER = "patches"
OVERLAPS_LAYER = "overlaps"
PARCEL_HITS_LAYER = "parcel_hits"


class AnalyseJobAlgorithm(LandSupervisionAlgorithm):
    """Overlay the job's patches on its baselines and give each patch a verdict."""

    GROUP_ID = "verification"
    ICON = "analyse.svg"

    JOB = "JOB"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_GPKG = "OUTPUT_GPKG"
    PATCHES = "PATCHES"
    OVERLAPS = "OVERLAPS"
    PARCEL_HITS = "PARCEL_HITS"
    PATCH_COUNT = "PATCH_COUNT"
    ILLEGAL_COUNT = "ILLEGAL_COUNT"
    CHECK_COUNT = "CHECK_COUNT"

    def name(self):
        return "analyse"

    def displayName(self):  # noqa: N802 (QGIS API)
        return tr("Run patch verification from a job file")

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return tr(
            "<p>Runs the patch overlay analysis and violation verdict on the layers a job file "
            "names: the monitoring patches, the baselines (permanent basic farmland, farmland, "
            "ecological red line, urban development boundary), the exemptions (approvals, "
            "facility-agriculture filings, temporary use), the administrative units and the "
            "rule set. For batch runs and scripts; to pick layers of the project, use "
            "<i>Patch overlay analysis and violation verdict</i>.</p>"
            "<p><b>Job file</b>: the YAML file that names the input files, their fields and the "
            "rule set (see resources/demo/job.yaml).</p>"
            "<p><b>Previous batch's result</b> (optional): the result.gpkg of the previous "
            "batch with its ledger imported. Patches overlapping a previous patch by at least "
            "half of either are marked as sent again (重复下发) and take over its ledger "
            "entries; a patch closed (销号) before is flagged to check again. It replaces the "
            "job file's <i>previous</i> entry.</p>"
            "<p><b>Output folder</b>: receives result.gpkg with the layers <i>patches</i> (one "
            "feature per input patch, with its verdict, net farmland areas and owner), "
            "<i>overlaps</i> (the area each patch occupies in each baseline) and "
            "<i>parcel_hits</i> (the farmland and basic-farmland parcels behind each overlap, "
            "with their owners and gross and net areas), plus the run information and notes.</p>"
        )

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        self.addParameter(
            QgsProcessingParameterFile(
                self.JOB,
                tr("Job file (YAML)"),
                fileFilter=tr("Job files (*.yaml *.yml)"),
            )
        )
        for parameter in previous_parameters():
            self.addParameter(parameter)
        self.addParameter(
            QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, tr("Output folder"))
        )
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT_GPKG, tr("Result GeoPackage")))
        self.addOutput(
            QgsProcessingOutputVectorLayer(
                self.PATCHES, tr("Patches with verdicts"), SOURCE_TYPE_VECTOR_POLYGON
            )
        )
        self.addOutput(
            QgsProcessingOutputVectorLayer(self.OVERLAPS, tr("Overlaps"),
                                           SOURCE_TYPE_VECTOR_POLYGON)
        )
        self.addOutput(
            QgsProcessingOutputVectorLayer(self.PARCEL_HITS, tr("Parcels behind each overlap"),
                                           SOURCE_TYPE_VECTOR_POLYGON)
        )
        self.addOutput(QgsProcessingOutputNumber(self.PATCH_COUNT, tr("Number of patches")))
        self.addOutput(QgsProcessingOutputNumber(self.ILLEGAL_COUNT, tr("Illegal patches")))
        self.addOutput(QgsProcessingOutputNumber(self.CHECK_COUNT, tr("Patches to verify")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        from ..core.job import load_job
        from ..core.rules.terms import CHECK, ILLEGAL

        job_path = self.parameterAsFile(parameters, self.JOB, context)
        out_dir = self.parameterAsFileOutput(parameters, self.OUTPUT_FOLDER, context)
        os.makedirs(out_dir, exist_ok=True)
        with core_errors():
            job = load_job(job_path)
            previous = previous_batch(self, parameters, context)
            if previous:
                from ..core.job import previous_from_job
                job.previous = previous_from_job(previous, os.getcwd(), "PREVIOUS")
        result = run_engine(job, out_dir, feedback)

        outputs = {
            self.OUTPUT_FOLDER: out_dir,
            self.OUTPUT_GPKG: result.result_path,
            self.PATCH_COUNT: result.patch_count,
            self.ILLEGAL_COUNT: result.verdicts.get(ILLEGAL, 0),
            self.CHECK_COUNT: result.verdicts.get(CHECK, 0),
        }
        from ..core.io.gpkg_reader import layer_names, open_geopackage

        present = layer_names(open_geopackage(result.result_path))
        for output, layer_name, label, style in (
                (self.PATCHES, PATCHES_LAYER, tr("Patches with verdicts"), PATCHES_STYLE),
                (self.OVERLAPS, OVERLAPS_LAYER, tr("Overlaps"), OVERLAPS_STYLE),
                (self.PARCEL_HITS, PARCEL_HITS_LAYER, tr("Parcels behind each overlap"), None)):
            if layer_name not in present:
                continue
            uri = f"{result.result_path}|layername={layer_name}"
            outputs[output] = uri
            if context.project() is not None:
                details = QgsProcessingContext.LayerDetails(label, context.project(), output)
                if style is not None:
                    details.setPostProcessor(ResultStyler.create(style))
                context.addLayerToLoadOnCompletion(uri, details)
        return outputs
