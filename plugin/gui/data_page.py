"""Page 1 数据 of the workspace: the job file, the layer of each input role with its fields, the
previous batch's result (上一批次结果) and the optional change-derivation step."""

import os

from qgis.core import QgsVectorLayer
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..compat import tr
from ..core.errors import InputError
from ..qgis_io.layer_encoding import fix_layer_encoding
from .changes_step import ChangesStep
from .field_mapping import guess_role_layers, input_roles
from .input_styles import DRAW_ORDER, ZONE_STYLE, style_input_layer
from .job_state import RoleChoice
from .layer_sources import named_layers
from .role_widgets import RoleRow, add_input_layer
from .zone_rows import ZoneRow


class DataPage(QScrollArea):
    """The inputs of the job. ``changed`` when the analyst changes a layer or a field;
    ``problem(text)`` when a job file or one of its layers cannot be used."""

    changed = pyqtSignal()
    problem = pyqtSignal(str)

    def __init__(self, project, parent=None):
        super().__init__(parent)
        self.project = project
        self.excepted = []
        page = QWidget()
        layout = QVBoxLayout(page)
        buttons = QHBoxLayout()
        self.open_job_button = QPushButton(tr("Open job file…"), page)
        self.open_job_button.setObjectName("openJobButton")
        self.open_job_button.setToolTip(tr(
            "Add the layers of a job file (YAML, as the command line uses it) to the project "
            "and fill in this form."))
        self.open_job_button.clicked.connect(self.choose_job_file)
        self.guess_button = QPushButton(tr("Recognise layers"), page)
        self.guess_button.setObjectName("guessLayersButton")
        self.guess_button.setToolTip(tr(
            "Choose the project's layers by their survey names (JCTB, DLTB, YJJBNTTB, STBHHX, "
            "CZKFBJ, XZQ …) for every input still empty."))
        self.guess_button.clicked.connect(self.recognise_layers)
        buttons.addWidget(self.open_job_button)
        buttons.addWidget(self.guess_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.changes_step = ChangesStep(page)
        self.changes_step.changes_ready.connect(self.use_change_patches)
        layout.addWidget(self.changes_step)

        self.role_rows = {}
        self.zone_rows = {}
        self.kept = {}
        groups = {"patches": QGroupBox(tr("Patches to verify"), page),
                  "baselines": QGroupBox(tr("Baselines"), page),
                  "exemptions": QGroupBox(tr("Legal cover"), page),
                  "admin": QGroupBox(tr("Administrative divisions"), page),
                  "parcels": QGroupBox(tr("Previous year's survey (optional)"), page)}
        for group in groups.values():
            QVBoxLayout(group)
            layout.addWidget(group)
        for role in input_roles():
            row = RoleRow(role, groups[role.group])
            row.changed.connect(self.changed)
            groups[role.group].layout().addWidget(row)
            self.role_rows[role.key] = row
        self.baselines_group = groups["baselines"]
        layout.addWidget(self._previous_batch(page))
        layout.addStretch(1)
        self.setWidgetResizable(True)
        self.setWidget(page)

    def _previous_batch(self, page):
        group = QGroupBox(tr("Previous batch"), page)
        form = QFormLayout(group)
        self.previous_widget = QgsFileWidget(group)
        self.previous_widget.setObjectName("previousResult")
        self.previous_widget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.previous_widget.setFilter(tr("Result GeoPackage (*.gpkg)"))
        self.previous_widget.lineEdit().setPlaceholderText(tr("None: every patch is new"))
        self.previous_widget.setToolTip(tr(
            "The result (result.gpkg) of the previous batch, with its ledger imported. A patch "
            "overlapping a previous one by half of either is marked as sent again and takes "
            "over its ledger entries (check, rectification, case handling); one closed before "
            "is flagged to check again, never closed silently."))
        self.previous_widget.fileChanged.connect(self.changed)
        form.addRow(tr("Result of the previous batch"), self.previous_widget)
        return group

    def previous_result(self):
        return self.previous_widget.filePath().strip()

    def set_previous_result(self, path):
        self.previous_widget.setFilePath(path or "")

    def choices(self):
        """{role: RoleChoice} of every role with a layer and of every zone of the job (a zone
        is never dropped); a baseline keeps the name and carried fields its job gave it."""
        out = {}
        for key, row in self.role_rows.items():
            choice = row.choice()
            if choice.layer_id:
                kept = self.kept.get(key, RoleChoice())
                choice.name, choice.carry = kept.name, list(kept.carry)
                out[key] = choice
        out.update((key, row.choice()) for key, row in self.zone_rows.items())
        return out

    def show_choices(self, choices):
        self.kept = dict(choices)
        for key, row in self.role_rows.items():
            row.set_choice(choices.get(key, RoleChoice()), self.project)
        self._show_zones({k: c for k, c in choices.items()
                          if k not in self.role_rows and c.name})

    def _show_zones(self, zones):
        """One row per zone of the job, after the known baselines."""
        for row in self.zone_rows.values():
            self.baselines_group.layout().removeWidget(row)
            row.deleteLater()
        self.zone_rows = {}
        for key, choice in zones.items():
            row = ZoneRow(key, choice, self.baselines_group)
            row.set_excepted_layers([self.project.mapLayer(i) for i in self.excepted
                                     if self.project.mapLayer(i) is not None])
            row.set_choice(choice, self.project)
            row.changed.connect(self.changed)
            self.baselines_group.layout().addWidget(row)
            self.zone_rows[key] = row

    def rows(self):
        """Every input row: the known roles, then the job's zones."""
        return {**self.role_rows, **self.zone_rows}

    def set_excepted_layers(self, layers):
        """Layers no role may take (the result layer)."""
        self.excepted = [layer.id() for layer in layers]
        for row in self.rows().values():
            row.set_excepted_layers(layers)

    def fix_encodings(self):
        """Roles whose shapefile QGIS read in the wrong encoding and now reads right."""
        return [key for key, row in self.rows().items() if row.fix_encoding()]

    def choose_job_file(self):
        path, _ = QFileDialog.getOpenFileName(self, tr("Open job file"), "",
                                              tr("Job files (*.yaml *.yml)"))
        if path:
            self.open_job_file(path)

    def open_job_file(self, path):
        """The job of a job file with its layers added to the project (styled by role) as
        {role: layer}; None on a bad file (``problem`` says why)."""
        from ..core.job import load_job

        try:
            job = load_job(path)
        except InputError as error:
            self.problem.emit(tr("The job file cannot be used: {0}").format(error))
            return None
        layers = {}
        rank = {role: n for n, role in enumerate(DRAW_ORDER)}
        zones = {k for k in job.baselines if k not in self.role_rows}

        def style_role(spec):
            return ZONE_STYLE if spec.role in zones else spec.role

        for spec in sorted(job.layers(), key=lambda s: rank.get(style_role(s), len(rank))):
            uri = spec.path + (f"|layername={spec.layer}" if spec.layer else "")
            name = spec.layer or os.path.splitext(os.path.basename(spec.path))[0]
            layer = QgsVectorLayer(uri, name, "ogr")
            if not layer.isValid():
                self.problem.emit(tr("QGIS cannot open {0}.").format(uri))
                continue
            if spec.encoding:
                layer.setProviderEncoding(spec.encoding)
            else:
                # The job's field names are the ones the engine reads: the content's encoding.
                fix_layer_encoding(layer)
            added = add_input_layer(self.project, layer)
            if added is layer:
                style_input_layer(layer, style_role(spec), spec.where)
            layers[spec.role] = added
        return job, layers

    def recognise_layers(self):
        """Fill every empty input with a project layer whose name says what it is."""
        taken = {row.layer().id() for row in self.role_rows.values() if row.layer() is not None}
        candidates = [c for c in named_layers(self.project, self.excepted) if c[0] not in taken]
        for role, layer_id in guess_role_layers(candidates).items():
            row = self.role_rows[role]
            if row.layer() is None:
                row.set_layer(self.project.mapLayer(layer_id))

    def use_change_patches(self, layer):
        """Change patches derived from two survey years become the patches to verify."""
        self.role_rows["patches"].set_layer(layer)
