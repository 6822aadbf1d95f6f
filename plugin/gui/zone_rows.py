"""The zones a job adds itself (自然保护地, 饮用水水源保护区 …) in the data page: one row each
among the baselines, under its display name, with its layer, the fields it carries and its
filter as the job file gives them."""

import dataclasses

from qgis.PyQt.QtWidgets import QLabel

from ..compat import tr
from .field_mapping import InputRole
from .job_state import RoleChoice
from .role_widgets import RoleRow


class ZoneRow(RoleRow):
    """A zone of the job: its layer can be chosen again; its name, carried fields and filter
    are shown as the job file gives them and kept (they are changed in the job file)."""

    def __init__(self, key: str, choice: RoleChoice, parent=None):
        super().__init__(InputRole(key, "baselines", choice.name), parent)
        self.kept = choice
        self.setObjectName(f"zone_{key}")
        text = tr("Zone of the job file, key {0}").format(key)
        if choice.carry:
            text += tr("; carries {0}").format(", ".join(choice.carry))
        for field, values in choice.where.items():
            text += tr("; keeps {0} = {1}").format(field, ", ".join(map(str, values)))
        self.details = QLabel(text, self)
        self.details.setObjectName(f"zone_details_{key}")
        self.details.setWordWrap(True)
        self.details.setToolTip(tr(
            "A baseline the job file adds itself, shown by its name in the results and the "
            "ledger. Its name, carried fields and filter are changed in the job file."))
        self.layout().addRow("", self.details)

    def choice(self) -> RoleChoice:
        """The zone as the job gives it, with the layer the row holds now (none when its layer
        left the project: the zone stays in the job, and the checks ask for a layer)."""
        return dataclasses.replace(self.kept, layer_id=super().choice().layer_id)
