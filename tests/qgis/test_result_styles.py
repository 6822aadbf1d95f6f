"""The result styles read at a glance: 违法 solid reds, 需核实 hatched saturated orange that
stands apart from every input style the workspace applies, no purple shared with the urban
boundary, short labels only when zoomed in; forms show areas to two decimals."""

import colorsys
from collections import Counter

import pytest
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

from plugin.core.rules.schema import load_ruleset
from plugin.gui.input_styles import SYMBOLS
from plugin.qgis_io.result_styles import PATCHES_STYLE, style_result_layer

RULES = load_ruleset()


SIDE = 1000  # metres of each test patch, drawn side by side
PIXELS = 100  # pixels of each patch: 1:38 000 at 96 dpi, zoomed out beyond the labels


def styled(rows):
    """A memory layer of square patches, one per (verdict, type, id), in a row, styled as
    results are."""
    layer = QgsVectorLayer("Polygon?crs=EPSG:4529&field=patch_id:string&field=verdict:string"
                           "&field=violation_type:string", "r", "memory")
    features = []
    for n, (verdict, kind, pid) in enumerate(rows):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([pid, verdict, kind])
        x = 41_500_000 + n * 2 * SIDE
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(x, 3_400_000, x + SIDE,
                                                              3_400_000 + SIDE)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    assert style_result_layer(layer, PATCHES_STYLE)
    return layer


def rendered(layer, rows):
    """{(verdict, type): [QColor of the pixels inside its patch]} of the layer drawn on white,
    zoomed out far enough that labels are off."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    width = len(rows) * 2 * SIDE
    settings.setExtent(QgsRectangle(41_500_000, 3_400_000, 41_500_000 + width,
                                    3_400_000 + SIDE))
    settings.setOutputSize(QSize(len(rows) * 2 * PIXELS, PIXELS))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    out = {}
    for n, (verdict, kind, _pid) in enumerate(rows):
        x0 = n * 2 * PIXELS
        out[(verdict, kind)] = [QColor(image.pixel(x, y))
                                for x in range(x0 + 10, x0 + PIXELS - 10, 3)
                                for y in range(10, PIXELS - 10, 3)]
    return out


def hue(colour):
    return colorsys.rgb_to_hsv(colour.redF(), colour.greenF(), colour.blueF())


def most_common(colours):
    return Counter(c.name() for c in colours).most_common(1)[0][0]


def input_colours():
    """Every fill and outline colour of the baseline, cover and admin input styles
    (input_styles.SYMBOLS; the patches' own outline is replaced by the result)."""
    out = []
    for role, props in SYMBOLS.items():
        if role == "patches":
            continue
        for key in ("color", "outline_color"):
            value = props[key]
            parts = [int(v) for v in value.split(",")] if "," in value else None
            if parts is None:
                out.append(QColor(value))
            elif len(parts) < 4 or parts[3] > 0:
                out.append(QColor(*parts[:3]))
    return out


def test_illegal_types_are_solid_reds():
    rows = [("违法", r.label, str(n)) for n, r in enumerate(RULES.rules) if r.verdict == "违法"]
    for key, colours in rendered(styled(rows), rows).items():
        assert len({c.name() for c in colours}) == 1, key  # solid
        h, s, _ = hue(colours[0])
        assert (h < 0.06 or h > 0.93) and s > 0.4, (key, colours[0].name())  # salmon to crimson


def test_to_verify_is_a_saturated_hatched_orange_apart_from_every_input_style():
    rows = [("需核实", r.label, str(n)) for n, r in enumerate(RULES.rules)
            if r.verdict == "需核实"]
    for key, colours in rendered(styled(rows), rows).items():
        ground = QColor(most_common(colours))
        h, s, _ = hue(ground)
        assert 0.05 < h < 0.12 and s > 0.4, (key, ground.name())  # orange
        hatch = [c for c in colours if c.name() != ground.name()]
        assert len(hatch) > len(colours) / 10, key
        for colour in input_colours():
            other, saturation, _ = hue(colour)
            # Hues on a circle: at least 30° from every coloured input symbol.
            assert saturation < 0.25 or min(abs(h - other), 1 - abs(h - other)) > 30 / 360, \
                (key, colour.name())


def test_patches_that_cannot_be_judged_are_cross_hatched_in_black():
    rows = [("需核实", "地类缺失，无法判定", "1"),
            ("需核实", "耕地流出（“非粮化”，改为园地、林地、草地或坑塘）", "2")]
    drawn = rendered(styled(rows), rows)
    dark = {key: sum(1 for c in colours if c.value() < 60) for key, colours in drawn.items()}
    assert dark[rows[0][:2]] > 0 and dark[rows[1][:2]] == 0


def test_no_purple_in_the_result_style_the_urban_boundary_owns_it():
    rows = [(r.verdict, r.label, str(n)) for n, r in enumerate(RULES.rules)]
    rows += [("合法", "", "a"), ("低于上图面积", "", "b"), ("需核实", "地类缺失，无法判定", "c")]
    for key, colours in rendered(styled(rows), rows).items():
        for colour in colours:
            h, s, _ = hue(colour)
            assert not (0.70 < h < 0.92 and s > 0.3), (key, colour.name())


@pytest.mark.parametrize("verdict, shown", [("违法", "0001"), ("需核实", "0001"), ("合法", None)])
def test_labels_are_the_ids_last_digits_and_only_zoomed_in(verdict, shown):
    from qgis.core import QgsExpression, QgsExpressionContext, QgsExpressionContextUtils

    layer = styled([(verdict, "", "21028120240001")])
    settings = layer.labeling().settings()
    context = QgsExpressionContext()
    context.appendScope(QgsExpressionContextUtils.layerScope(layer))
    context.setFeature(next(layer.getFeatures()))
    value = QgsExpression(settings.fieldName).evaluate(context)

    assert (value or None) == shown
    assert settings.scaleVisibility and settings.minimumScale == 20000
