"""Field verification (外业核查): the flagged patches in driving order, the self-contained pack
for the field team (mobile GeoPackage, reference layers, imagery and chips from ``imagery``,
KML/KMZ, image dates, file names from patch ids), the guard against writing over field work,
and the field-edited GeoPackage brought back into the result."""
