"""Verdicts: the land-class table (三调 codes and groups), the rule-file schema and its
validation, three-valued evaluation over the overlay table, and the Chinese reasons."""
