"""The plugin's Processing provider and its algorithms, each a thin wrapper over plugin.core."""
