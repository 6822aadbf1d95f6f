"""Township and village of points from an admin layer's polygons."""

import numpy as np

from ..errors import InputError, Note
from ..io.crs import check_coordinates
from ..io.geometry import parse_geometries
from ..io.layers import read_layer
from ..io.wkb_arrays import envelopes as wkb_envelopes
from ..io.wkb_transform import transform_wkbs
from ..overlay.bbox import bbox_join
from ..overlay.pairs import points_inside
from .read import as_text


class AdminLocator:
    """(township, village) of points, from an admin layer's polygons."""

    def __init__(self, spec, crs, notes):
        from shapely.prepared import prep
        self.tf = spec.extra.get("township_field")
        self.vf = spec.extra.get("village_field")
        if not self.tf and not self.vf:
            raise InputError("行政区图层需指明乡镇字段或村字段", layer=spec.label,
                             field="township_field")
        layer, layer_notes = read_layer(spec, fields=[f for f in (self.tf, self.vf) if f])
        notes.extend(layer_notes)
        if len(layer) == 0:
            raise InputError("行政区图层为空", layer=spec.label)
        check_coordinates(layer.crs, layer.bounds(), spec.label)
        wkb = transform_wkbs(layer.wkb, layer.crs, crs) if layer.crs != crs else layer.wkb
        geoms, geom_notes = parse_geometries(wkb, [f"FID {f}" for f in layer.fids], spec.label)
        notes.extend(geom_notes)
        self.label = spec.label
        self.notes = notes
        self.units = [(as_text(layer.columns[self.tf][k]) or None if self.tf else None,
                       as_text(layer.columns[self.vf][k]) or None if self.vf else None)
                      for k in range(len(layer))]
        self.prepared = [prep(g) if g is not None else None for g in geoms]
        self.envelopes = wkb_envelopes([g.wkb if g is not None else None for g in geoms])

    def units_of_points(self, xs, ys):
        from shapely.geometry import Point
        n = len(xs)
        out = [(None, None)] * n
        boxes = np.column_stack([xs, ys, xs, ys])
        pi, aj = bbox_join(boxes, self.envelopes)
        order = np.lexsort((aj, pi))
        missing = 0
        done = np.zeros(n, dtype=bool)
        for i, j in zip(pi[order].tolist(), aj[order].tolist()):
            if done[i] or self.prepared[j] is None:
                continue
            if self.prepared[j].intersects(Point(xs[i], ys[i])):
                out[i] = self.units[j]
                done[i] = True
        missing = int((~done & ~np.isnan(xs)).sum())
        if missing:
            self.notes.append(Note(self.label, "-", f"{missing} 个图斑不在任何行政区范围内，乡镇村为空"))
        return out

    def units_of_wkb(self, wkbs):
        import shapely.wkb
        geoms = [shapely.wkb.loads(bytes(w)) if w is not None else None for w in wkbs]
        return self.units_of_points(*points_inside(geoms))
