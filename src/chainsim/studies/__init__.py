"""Strategy studies: a strategist's study file, its templates and its run (README: Studies)."""
