"""A city's or a province's batch, county by county (``analyse-region``): the region file, the
partition of region-wide patches into counties, one county's task as a dask worker runs it, the
cluster and its console, and the region's outputs (region.gpkg and the summary workbook).

Only ``cluster`` imports dask (``distributed``), which the plugin never needs otherwise."""
