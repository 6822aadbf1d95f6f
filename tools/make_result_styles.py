"""Writes the result styles in resources/styles: result_patches.qml (verdicts and the violation
types of the shipped rule sets, default and ecology), result_overlaps.qml (the pieces inside
each baseline; the zones a job adds itself get categories when a result is loaded, see
plugin/qgis_io/result_styles.py) and changes.qml (change patches).

Run with QGIS's Python when the rule set's labels or the colours change:
``QT_QPA_PLATFORM=offscreen /usr/bin/python3 tools/make_result_styles.py``.

The colours keep apart from every input style the workspace applies
(plugin/gui/input_styles.py: farmland greens, red line red, urban boundary purple, approvals
blue, facility teal, temporary lilac, admin grey): 违法 are solid reds, 需核实 saturated orange
with hatching, 合法 a dark green outline only, no purple anywhere.
"""

import sys
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsLinePatternFillSymbolLayer,
    QgsLineSymbol,
    QgsMapLayer,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsRuleBasedRenderer,
    QgsSimpleLineSymbolLayer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

REPO = Path(__file__).resolve().parent.parent
STYLES = REPO / "resources" / "styles"
sys.path.insert(0, str(REPO))

from plugin.core.result_fields import LAYER_NAMES  # noqa: E402
from plugin.core.rules.rule_sets import SHIPPED, load_rule_sets  # noqa: E402
from plugin.core.rules.terms import (  # noqa: E402
    BELOW, CHECK, ILLEGAL, LEGAL, NO_CLASS_TYPE, NO_DATA_TYPE)

#: Solid reds for 违法 in the rule sets' order (the default set most severe first, then the
#: ecology set's); construction in the red line is a rust brown so that it reads apart from
#: construction on basic farmland, the ecology set's are the darkest.
ILLEGAL_FILLS = ["165,0,38", "140,45,10", "215,48,39", "240,59,32", "251,106,74",
                 "252,146,114", "103,0,13", "178,24,43"]
ILLEGAL_OUTLINE = "80,0,0"
#: 需核实: a saturated orange ground, hatched; the hatch angle tells the types apart.
CHECK_GROUND = "255,140,0,130"
CHECK_LINE = "166,54,3"
CHECK_ANGLES = [45, 135, 0, 90, 30, 150, 60, 120]
#: Patches no rule could decide: the same orange, cross-hatched in black.
UNJUDGED_TYPES = (NO_CLASS_TYPE, NO_DATA_TYPE, "地类编码待核实")
#: Labels (the id's last digits) only from this scale in: a county view would be unreadable.
LABEL_MAX_SCALE = 20000
LABEL_DIGITS = 4


def quoted(text):
    return "'" + text.replace("'", "''") + "'"


def solid(fill, outline=ILLEGAL_OUTLINE, width="0.5"):
    return QgsFillSymbol.createSimple({"color": fill + ",220", "outline_color": outline,
                                       "outline_width": width, "outline_width_unit": "MM"})


def hatched(ground, line, angles, outline, outline_width="0.8", spacing=1.8):
    """A fill of ``ground`` with hatching at each angle and a strong outline."""
    symbol = QgsFillSymbol.createSimple({"color": ground, "outline_style": "no"})
    for angle in angles:
        pattern = QgsLinePatternFillSymbolLayer()
        pattern.setLineAngle(angle)
        pattern.setDistance(spacing)
        pattern.setSubSymbol(QgsLineSymbol.createSimple({
            "line_color": line, "line_width": "0.35", "line_width_unit": "MM"}))
        symbol.appendSymbolLayer(pattern)
    border = QgsSimpleLineSymbolLayer(QColor(*map(int, outline.split(","))), float(outline_width))
    symbol.appendSymbolLayer(border)
    return symbol


def outline_only(colour, width, style="solid"):
    return QgsFillSymbol.createSimple({"style": "no", "outline_color": colour,
                                       "outline_width": width, "outline_style": style,
                                       "outline_width_unit": "MM"})


def rule(symbol, label, expression):
    """A rule; the expression ELSE makes it the else rule of its siblings. (Rule.setIsElse is
    not used: on QGIS 3.22 setIsElse(False) turns the filter into ELSE.)"""
    return QgsRuleBasedRenderer.Rule(symbol, 0, 0, expression, label)


def patches_renderer(ruleset):
    root = QgsRuleBasedRenderer.Rule(None)
    illegal = rule(None, ILLEGAL, f'"verdict" = {quoted(ILLEGAL)}')
    check = rule(None, CHECK, f'"verdict" = {quoted(CHECK)}')
    illegal_rules = [r for r in ruleset.rules if r.verdict == ILLEGAL]
    check_rules = [r for r in ruleset.rules if r.verdict == CHECK]
    if len(illegal_rules) > len(ILLEGAL_FILLS) or len(check_rules) > len(CHECK_ANGLES):
        raise SystemExit("more violation types than symbols: add fills or hatch angles")
    for r, fill in zip(illegal_rules, ILLEGAL_FILLS):
        illegal.appendChild(rule(solid(fill), r.label,
                                 f'"violation_type" = {quoted(r.label)}'))
    illegal.appendChild(rule(solid("222,45,38"), "其他违法类型", "ELSE"))
    for r, angle in zip(check_rules, CHECK_ANGLES):
        check.appendChild(rule(hatched(CHECK_GROUND, CHECK_LINE, [angle], "230,85,13"),
                               r.label, f'"violation_type" = {quoted(r.label)}'))
    unjudged = ", ".join(quoted(t) for t in UNJUDGED_TYPES)
    check.appendChild(rule(hatched(CHECK_GROUND, "0,0,0", [45, 135], "230,85,13"),
                           "无法判定（地类或资料缺失）", f'"violation_type" IN ({unjudged})'))
    check.appendChild(rule(hatched(CHECK_GROUND, CHECK_LINE, [45], "230,85,13"),
                           "其他需核实情形", "ELSE"))
    root.appendChild(illegal)
    root.appendChild(check)
    root.appendChild(rule(outline_only("0,109,44", "0.6"), LEGAL, f'"verdict" = {quoted(LEGAL)}'))
    root.appendChild(rule(outline_only("115,115,115", "0.5", "dot"), BELOW,
                          f'"verdict" = {quoted(BELOW)}'))
    root.appendChild(rule(outline_only("115,115,115", "0.3"), "未判定", "ELSE"))
    return QgsRuleBasedRenderer(root)


def patch_labels():
    settings = QgsPalLayerSettings()
    settings.isExpression = True
    settings.fieldName = (f'CASE WHEN "verdict" IN ({quoted(ILLEGAL)}, {quoted(CHECK)}) '
                          f'THEN right("patch_id", {LABEL_DIGITS}) END')
    text = QgsTextFormat()
    text.setFont(QFont("Noto Sans CJK SC"))
    text.setSize(8)
    text.setColor(QColor(32, 32, 32))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor(255, 255, 255))
    text.setBuffer(buffer)
    settings.setFormat(text)
    settings.placement = QgsPalLayerSettings.Placement.OverPoint
    settings.scaleVisibility = True
    settings.maximumScale = 0  # no limit zooming in
    settings.minimumScale = LABEL_MAX_SCALE
    return QgsVectorLayerSimpleLabeling(settings)


#: The overlap pieces in the colours of their baselines' input styles (input_styles.py).
OVERLAP_SYMBOLS = {
    "basic_farmland": lambda: solid("63,127,31", "38,77,19"),
    "farmland": lambda: solid("158,191,122", "90,128,60"),
    "red_line": lambda: solid("230,60,60", "192,0,0"),
    "urban_boundary": lambda: outline_only("123,50,148", "0.8", "dash"),
    "approved": lambda: hatched("44,111,187,60", "44,111,187", [45], "44,111,187", "0.4"),
    "facility_agri": lambda: hatched("42,157,143,60", "42,157,143", [135], "42,157,143", "0.4"),
    "temporary": lambda: hatched("142,107,176,40", "142,107,176", [45, 135], "142,107,176",
                                 "0.4"),
}


def overlaps_renderer():
    categories = [QgsRendererCategory(key, make(), LAYER_NAMES[key])
                  for key, make in OVERLAP_SYMBOLS.items()]
    return QgsCategorizedSymbolRenderer("layer_key", categories)


def changes_renderer():
    categories = [
        QgsRendererCategory("流出", hatched("215,48,39,110", "165,0,38", [45], "165,0,38"),
                            "耕地流出"),
        QgsRendererCategory("流入", solid("102,189,99", "0,104,55"), "耕地流入"),
        QgsRendererCategory(None, outline_only("33,113,181", "0.5"), "其他地类变化"),
    ]
    return QgsCategorizedSymbolRenderer("farmland_flow", categories)


def save(renderer, name, fields, labeling=None):
    spec = "&".join(f"field={f}:string" for f in fields)
    layer = QgsVectorLayer(f"Polygon?crs=EPSG:4529&{spec}", name, "memory")
    layer.setRenderer(renderer)
    categories = QgsMapLayer.StyleCategory.Symbology
    if labeling is not None:
        layer.setLabeling(labeling)
        layer.setLabelsEnabled(True)
        categories |= QgsMapLayer.StyleCategory.Labeling
    message, ok = layer.saveNamedStyle(str(STYLES / name), categories)
    if not ok:
        raise RuntimeError(message)
    print(STYLES / name)


def main():
    app = QgsApplication([], False)
    app.initQgis()
    ruleset = load_rule_sets(list(SHIPPED))
    save(patches_renderer(ruleset), "result_patches.qml",
         ["patch_id", "verdict", "violation_type"], patch_labels())
    save(overlaps_renderer(), "result_overlaps.qml", ["layer_key"])
    save(changes_renderer(), "changes.qml", ["farmland_flow"])
    app.exitQgis()


if __name__ == "__main__":
    main()
