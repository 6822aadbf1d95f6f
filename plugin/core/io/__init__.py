"""Data in and out: reading input layers (formats, text encodings, CRS, geometry repair),
polygon WKB as numpy arrays and its reprojection, the GeoPackage reader and writer, file
hashes, XML text, and the atomic replace every output goes through. Inputs are only read."""
