"""Imagery around patches: windows of large before/after images cut into chips and thumbnails,
the patch outlined, for the ledger's picture columns and the field pack."""
