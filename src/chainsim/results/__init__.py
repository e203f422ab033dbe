"""Writing results: atomic files and folders, manifests, the run's results folder."""
