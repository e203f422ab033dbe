"""Running scenarios: the day's phase order, replications, recording."""
