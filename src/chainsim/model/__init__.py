"""The simulated world: random streams, samplers, policies, nodes and their wiring."""
