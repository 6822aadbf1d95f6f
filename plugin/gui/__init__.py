"""The analyst's workspace: the dock and its three pages (data with the change step, run,
results), the results table, the result's actions and dialogs, and the background tasks around
the core."""
