"""One input of the job in the dock: a polygon-layer picker, a file button and its field mapping."""

import os

from qgis.core import QgsProject, QgsVectorLayer
from qgis.gui import QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QToolButton,
    QWidget,
)

from ..compat import LAYER_FILTER_POLYGON, tr
from ..qgis_io.layer_encoding import encoding_fix, fix_layer_encoding
from .field_mapping import guess_class_filter, guess_fields
from .job_state import RoleChoice

VECTOR_FILE_SUFFIXES = ("*.gpkg", "*.shp", "*.geojson", "*.json", "*.gml", "*.kml", "*.tab",
                        "*.mif", "*.sqlite", "*.fgb")


class RoleRow(QWidget):
    """The picker of one role and, under it, the combos of the fields the role maps.

    ``changed`` is emitted whenever the analyst changes the layer or a field.
    """

    changed = pyqtSignal()

    def __init__(self, role, parent=None):
        super().__init__(parent)
        self.role = role
        self._quiet = False
        self.setObjectName(f"role_{role.key}")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        # before the combo exists: its layer model must hear of a removal after this row does
        QgsProject.instance().layersWillBeRemoved.connect(self._layers_leaving)
        self.layer_combo = QgsMapLayerComboBox(self)
        self.layer_combo.setObjectName(f"layer_{role.key}")
        self.layer_combo.setFilters(LAYER_FILTER_POLYGON)
        self.layer_combo.setAllowEmptyLayer(True, tr("(none)"))
        self.layer_combo.setLayer(None)
        self.layer_combo.setToolTip(tr("A polygon layer of the project."))
        self.file_button = QToolButton(self)
        self.file_button.setText("…")
        self.file_button.setToolTip(tr("Add a layer from a file"))
        self.file_button.clicked.connect(self.add_from_file)
        picker = QHBoxLayout()
        picker.setContentsMargins(0, 0, 0, 0)
        picker.addWidget(self.layer_combo, 1)
        picker.addWidget(self.file_button)
        label = role.label + (" *" if role.required else "")
        form.addRow(label, picker)
        self.encoding_label = QLabel(self)
        self.encoding_label.setObjectName(f"encoding_{role.key}")
        self.encoding_label.setWordWrap(True)
        self.encoding_label.setVisible(False)
        form.addRow("", self.encoding_label)

        self.field_combos = {}
        for slot in role.fields:
            combo = QgsFieldComboBox(self)
            combo.setObjectName(f"field_{role.key}_{slot.key}")
            combo.setAllowEmptyFieldName(True)
            if slot.help:
                combo.setToolTip(slot.help)
            combo.fieldChanged.connect(self._emit_changed)
            self.field_combos[slot.key] = combo
            form.addRow("    " + slot.label, combo)

        self.class_names = None
        if role.class_names:
            self.class_names = QCheckBox(tr("The class fields hold names (DLMC, 二调 names)"), self)
            self.class_names.setObjectName(f"class_names_{role.key}")
            self.class_names.setToolTip(tr(
                "Tick when the fields hold land-class names such as 旱地 or the older 二调 names "
                "(有林地, 村庄 …) instead of DLBM codes: they are read as the 三调 codes of the "
                "plugin's name table, and every name used is listed in the result's notes."))
            self.class_names.toggled.connect(self._emit_changed)
            form.addRow("", self.class_names)

        self.filter_field = None
        self.filter_values = None
        if role.class_filter:
            self.filter_field = QgsFieldComboBox(self)
            self.filter_field.setObjectName(f"filter_field_{role.key}")
            self.filter_field.setAllowEmptyFieldName(True)
            self.filter_field.setToolTip(tr(
                "For a land-parcel layer (DLTB): the field of the land-class code. Leave it "
                "empty when the layer holds farmland only."))
            self.filter_values = QLineEdit(self)
            self.filter_values.setObjectName(f"filter_values_{role.key}")
            self.filter_values.setPlaceholderText("01*")
            self.filter_values.setToolTip(tr(
                "Codes to keep, separated by commas; a trailing * keeps every code that "
                "starts so (01* = 0101, 0102, 0103 and their K variants)."))
            self.filter_field.fieldChanged.connect(self._emit_changed)
            self.filter_values.editingFinished.connect(self._emit_changed)
            form.addRow("    " + tr("Land-class field"), self.filter_field)
            form.addRow("    " + tr("Farmland codes"), self.filter_values)
        self._set_fields_enabled(False)
        self.layer_combo.layerChanged.connect(self._layer_changed)

    def _layers_leaving(self, layer_ids):
        """The chosen layer leaves the project: the row is emptied (the combo would otherwise
        slide to a neighbouring layer, and the role silently take it)."""
        if self.layer() is not None and self.layer().id() in layer_ids:
            self.layer_combo.setLayer(None)

    def layer(self):
        layer = self.layer_combo.currentLayer()
        return layer if isinstance(layer, QgsVectorLayer) else None

    def choice(self) -> RoleChoice:
        """What the row holds now."""
        layer = self.layer()
        if layer is None:
            return RoleChoice()
        choice = RoleChoice(layer_id=layer.id(),
                            fields={k: c.currentField() for k, c in self.field_combos.items()
                                    if c.currentField()})
        if self.filter_field is not None and self.filter_field.currentField():
            choice.filter_field = self.filter_field.currentField()
            choice.filter_values = [v.strip() for v in self.filter_values.text().split(",")
                                    if v.strip()]
        if self.class_names is not None:
            choice.class_names = self.class_names.isChecked()
        return choice

    def set_choice(self, choice: RoleChoice, project: QgsProject):
        """Show a saved choice (no guessing, no ``changed``)."""
        self._quiet = True
        try:
            layer = project.mapLayer(choice.layer_id) if choice.layer_id else None
            self.layer_combo.setLayer(layer if isinstance(layer, QgsVectorLayer) else None)
            self._bind_fields(self.layer())
            for key, combo in self.field_combos.items():
                combo.setField(choice.fields.get(key, ""))
            if self.filter_field is not None:
                self.filter_field.setField(choice.filter_field)
                self.filter_values.setText(", ".join(choice.filter_values))
            if self.class_names is not None:
                self.class_names.setChecked(choice.class_names)
        finally:
            self._quiet = False

    def set_layer(self, layer):
        """Pick a layer as the analyst would: its fields are mapped automatically."""
        self.layer_combo.setLayer(layer)

    def set_excepted_layers(self, layers):
        self.layer_combo.setExceptedLayerList(layers)

    def add_from_file(self):
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Add a layer from a file"), "",
            tr("Vector data") + " (" + " ".join(VECTOR_FILE_SUFFIXES) + ");;"
            + tr("All files") + " (*)")
        if not path:
            return
        layer = self._open_file(path)
        if layer is not None:
            self.set_layer(layer)

    def _open_file(self, path):
        from osgeo import ogr

        dataset = ogr.Open(path)
        names = [dataset.GetLayer(i).GetName() for i in range(dataset.GetLayerCount())] \
            if dataset is not None else []
        dataset = None
        uri, name = path, os.path.splitext(os.path.basename(path))[0]
        if len(names) > 1:
            name, ok = QInputDialog.getItem(self, tr("Choose a layer"),
                                            tr("The file holds several layers:"), names, 0, False)
            if not ok:
                return None
            uri = f"{path}|layername={name}"
        layer = QgsVectorLayer(uri, name, "ogr")
        if not layer.isValid():
            QMessageBox.warning(self, tr("Add a layer from a file"),
                                tr("QGIS cannot read {0} as a vector layer.").format(path))
            return None
        return add_input_layer(QgsProject.instance(), layer)

    def _layer_changed(self, layer):
        layer = layer if isinstance(layer, QgsVectorLayer) else None
        if self._quiet:
            return
        self._quiet = True
        try:
            if layer is not None:
                fix_layer_encoding(layer)
            self._bind_fields(layer)
            if layer is not None:
                self._guess(layer)
        finally:
            self._quiet = False
        self.changed.emit()

    def fix_encoding(self):
        """Read the chosen shapefile in its content's encoding if QGIS reads it wrongly; fields
        mapped under the wrong names are guessed again. True when the encoding changed."""
        layer = self.layer()
        if layer is None or fix_layer_encoding(layer) is None:
            return False
        self._quiet = True
        try:
            self._bind_fields(layer)
            names = set(layer.fields().names())
            guesses = guess_fields(list(names), self.role.fields)
            for slot in self.role.fields:
                combo = self.field_combos[slot.key]
                if combo.currentField() not in names:
                    combo.setField(guesses.get(slot.key) or "")
        finally:
            self._quiet = False
        self.changed.emit()
        return True

    def _bind_fields(self, layer):
        fixed = encoding_fix(layer)
        self.encoding_label.setText(tr("{1}: read as {0}.").format(*fixed) if fixed else "")
        self.encoding_label.setVisible(fixed is not None)
        for combo in self.field_combos.values():
            combo.setLayer(layer)
        if self.filter_field is not None:
            self.filter_field.setLayer(layer)
            if layer is None:
                self.filter_values.clear()
        self._set_fields_enabled(layer is not None)

    def _guess(self, layer):
        names = layer.fields().names()
        for key, name in guess_fields(names, self.role.fields).items():
            self.field_combos[key].setField(name or "")
        if self.filter_field is not None:
            field, codes = guess_class_filter(names)
            self.filter_field.setField(field or "")
            self.filter_values.setText(", ".join(codes))

    def _set_fields_enabled(self, enabled):
        for combo in self.field_combos.values():
            combo.setEnabled(enabled)
        if self.class_names is not None:
            self.class_names.setEnabled(enabled)
        if self.filter_field is not None:
            self.filter_field.setEnabled(enabled)
            self.filter_values.setEnabled(enabled)

    def _emit_changed(self, *_):
        if not self._quiet:
            self.changed.emit()


def add_input_layer(project, layer):
    """Add a layer under the inputs group of the layer tree, or return the project's own copy
    of the same source."""
    for existing in project.mapLayers().values():
        if isinstance(existing, QgsVectorLayer) and existing.source() == layer.source():
            return existing
    project.addMapLayer(layer, False)
    root = project.layerTreeRoot()
    name = tr("Land supervision inputs")
    group = root.findGroup(name) or root.addGroup(name)
    group.addLayer(layer)
    return layer
