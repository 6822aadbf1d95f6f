"""Field verification (外业核查): the flagged patches in route order, the mobile GeoPackage and
KML/KMZ for the field team (with chips from ``imagery``), and the field-edited GeoPackage
brought back into the result."""
