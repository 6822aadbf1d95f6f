"""The engine: pure Python on geopandas/shapely/pyproj/GDAL. No qgis or Qt import here."""
