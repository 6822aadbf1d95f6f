"""The analyst's workspace: the dock, its widgets and the background task around the core."""
