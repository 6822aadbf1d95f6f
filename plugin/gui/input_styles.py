"""Quiet default symbols for the input layers the dock adds, so the verdict colours stand out.

Baselines and cover are drawn as outlines or light fills in the colours county maps use for
them (farmland green, red line red, urban boundary purple); the patches themselves are shown
by the result layer's style.
"""

from qgis.core import QgsExpression, QgsFillSymbol, QgsRuleBasedRenderer, QgsSingleSymbolRenderer

from ..compat import tr

ZONE_STYLE = "zone"
SYMBOLS = {
    "patches": {"color": "0,0,0,0", "outline_color": "#d7301f", "outline_width": "0.5"},
    "farmland": {"color": "205,230,170,140", "outline_color": "#9ebf7a",
                 "outline_width": "0.15"},
    "basic_farmland": {"color": "120,180,80,110", "outline_color": "#3f7f1f",
                       "outline_width": "0.3"},
    "red_line": {"color": "230,60,60,35", "outline_color": "#c00000", "outline_width": "0.6",
                 "outline_style": "dash"},
    "urban_boundary": {"color": "0,0,0,0", "outline_color": "#7b3294", "outline_width": "0.8",
                       "outline_style": "dash"},
    "approved": {"color": "70,130,200,60", "outline_color": "#2c6fbb", "outline_width": "0.4"},
    "facility_agri": {"color": "120,200,200,60", "outline_color": "#2a9d8f",
                      "outline_width": "0.4"},
    "temporary": {"color": "200,160,220,60", "outline_color": "#8e6bb0",
                  "outline_width": "0.4"},
    "admin": {"color": "0,0,0,0", "outline_color": "#606060", "outline_width": "0.5",
              "outline_style": "dot"},
    # every zone a job adds itself (自然保护地, 饮用水水源保护区 …): a dark green dash-dot,
    # apart from the farmland greens and from the results' orange
    ZONE_STYLE: {"color": "0,68,27,25", "outline_color": "#00441b", "outline_width": "0.6",
                 "outline_style": "dash dot"},
}
#: Parcels a filter leaves out (a DLTB's non-farmland) are drawn as faint outlines.
FILTERED_OUT = {"color": "0,0,0,0", "outline_color": "#d0d0d0", "outline_width": "0.1"}
#: Top to bottom in the layer tree: lines above fills, small layers above large ones.
DRAW_ORDER = ("patches", "admin", "urban_boundary", "red_line", ZONE_STYLE, "approved",
              "facility_agri", "temporary", "basic_farmland", "farmland", "parcels_before")


def style_input_layer(layer, role, where=None):
    """Give a layer the default symbol of its role (no change for an unknown role).

    ``where`` is the job's filter ({field: [codes, "01*" ...]}): only the features it keeps
    get the role's symbol.
    """
    props = SYMBOLS.get(role)
    if props is None:
        return False
    if where:
        root = QgsRuleBasedRenderer.Rule(None)
        label = "; ".join(f"{field} {', '.join(values)}" for field, values in where.items())
        root.appendChild(QgsRuleBasedRenderer.Rule(
            QgsFillSymbol.createSimple(props), 0, 0, where_expression(where), label))
        rest = QgsRuleBasedRenderer.Rule(QgsFillSymbol.createSimple(FILTERED_OUT), 0, 0, "ELSE",
                                         tr("Other features"))
        rest.setIsElse(True)
        root.appendChild(rest)
        layer.setRenderer(QgsRuleBasedRenderer(root))
    else:
        layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(props)))
    layer.triggerRepaint()
    return True


def where_expression(where):
    """A QGIS expression keeping what the core's ``where`` filter keeps."""
    clauses = []
    for field, values in where.items():
        column = QgsExpression.quotedColumnRef(field)
        parts = [f"{column} LIKE {QgsExpression.quotedString(v[:-1] + '%')}"
                 if v.endswith("*") else f"{column} = {QgsExpression.quotedString(v)}"
                 for v in values]
        clauses.append("(" + " OR ".join(parts) + ")")
    return " AND ".join(clauses)
