"""The engine: everything a verdict, an area or a ledger depends on, in pure Python.

It runs without QGIS (GDAL/OGR, shapely, pyproj, numpy) and never imports qgis or Qt;
the QGIS side calls it, in process or out. One folder per capability, used from the top down:

- ``analysis.py``  the end-to-end job: read → overlay → areas → rules → ``result.gpkg``
- ``job.py``, ``result_fields.py``  the job file, and the fields the engine adds to the result
- ``ledger_details.py``  what the ledger needs besides the verdict (flagged-area split, approvals)
- ``errors.py``, ``progress.py``  errors the user can act on; progress and cancel callables
- ``io/``        reading layers (formats, encodings, CRS, repair), WKB arrays, GeoPackages, atomic writes
- ``overlay/``   the box join, chunked overlay on a worker pool, the GEOS kernels, areas
- ``rules/``     the land-class table, the rule-file schema, evaluation and reasons
- ``ledger/``    the rectification ledger (整改台账) out to Excel and back in
- ``imagery/``   image windows (rasterio or GDAL), chips and thumbnails, images cut to the patches
- ``fieldwork/`` field verification: the driving order, the self-contained pack, the field edits back in
- ``changes/``   change patches from two survey years, and the farmland balance sheet
"""
