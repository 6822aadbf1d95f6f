"""Field verification (外业核查): imagery chips around flagged patches, the mobile GeoPackage and
KML/KMZ for the field team, and the field-edited GeoPackage brought back into the result."""
