"""Imagery around patches: one window reader (rasterio where it imports, GDAL's own bindings
otherwise), images opened against the working CRS, chips and thumbnails with the patch outlined
(for the ledger's picture columns and the field pack), and an image cut down to the patches'
surroundings for the field pack to carry."""
