"""What the analysis adds of the parcel baselines, in the order it can: net areas, owners and
parcel hits once the overlay is done; the net part of the flagged area once the verdicts are;
then the fields, the ``parcel_hits`` layer and the ``run_info`` entries."""

from ..io.gpkg_staging import StagedLayer, stage_layer
from ..result_fields import PARCEL_HIT_FIELDS, parcel_result_fields
from .attributes import RULE_COEFFICIENT, RULE_NONE, RULE_SHARE
from .hits import hit_rows, owner_column
from .net import flag_keys, flag_net_split, net_columns, net_keys, parcel_pieces

HITS_LAYER = "parcel_hits"


class ParcelResults:
    """Fills ``rows`` with ``K_net_m2``/``K_net_mu`` and ``owner`` on creation."""

    def __init__(self, job, layers, overlays, patch_ids, ellipsoid, rows, notes):
        self.parcels = parcel_pieces(job, layers, overlays, ellipsoid, notes)
        net_columns(self.parcels, rows)
        self.with_owner = owner_column(self.parcels, layers, overlays, rows, job.min_area_m2,
                                       notes)
        self.hits = hit_rows(self.parcels, patch_ids, job.min_area_m2, notes)
        self.staged = StagedLayer(HITS_LAYER, PARCEL_HIT_FIELDS, self.hits)  # written in place

    def stage(self, pool, folder, crs_wkt):
        """Hand the ``parcel_hits`` layer to one of ``pool``'s workers to write while the
        verdicts are reached (where there is a process pool); returns the StagedLayer."""
        self.staged = stage_layer(pool, folder, HITS_LAYER, crs_wkt, PARCEL_HIT_FIELDS,
                                  self.hits)
        return self.staged

    def add_flag_split(self, overlays, cover, bases, ellipsoid, rows, patch_planar, pool=None):
        """``flag_K_net_m2`` (after ``ledger_details.flag_split`` filled ``flag_K_m2``);
        ``patch_planar``: the patches' planar areas."""
        flag_net_split(self.parcels, overlays, cover, bases, ellipsoid, rows, patch_planar, pool)

    def fields(self):
        return parcel_result_fields(net_keys(self.parcels), flag_keys(self.parcels),
                                    self.with_owner)

    def write(self, ds, crs_wkt):
        if not self.parcels:
            return
        ds.write_staged_layer(self.staged, crs_wkt)
        ds.write_default_style(HITS_LAYER, [(f, a) for f, _, a in PARCEL_HIT_FIELDS])

    def run_info(self):
        """The fields read per parcel baseline and how its net areas were taken."""
        info = []
        for key, pp in self.parcels.items():
            used = [f"{k}={v}" for k, v in pp.fields.found.items() if v]
            if pp.fields.net_pair:
                used.append("net/gross={}/{}".format(*pp.fields.net_pair))
            info.append((f"parcels.{key}.fields", ", ".join(used)))
            if pp.shares is None:
                info.append((f"parcels.{key}.net", "无净面积依据，未计算"))
                continue
            counts = {rule: pp.shares.rule.count(rule)
                      for rule in (RULE_COEFFICIENT, RULE_SHARE, RULE_NONE)}
            info.append((f"parcels.{key}.net", "；".join(f"{rule}: {n} 个地块"
                                                        for rule, n in counts.items() if n)))
        return info
