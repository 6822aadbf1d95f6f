"""Patch × layer overlay: the bounding-box join, the chunked overlay on a worker pool, the GEOS
kernels (raw GEOS pointers on shapely 1.8, vectorised on shapely 2, pairwise intersections), and
official areas (geodesic on the CGCS2000 ellipsoid, 亩)."""
