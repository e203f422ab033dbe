"""What the user wrote, as typed, frozen, validated objects."""

from chainsim.scenario.load import load_scenario
from chainsim.scenario.schema import Scenario
from chainsim.scenario.variants import with_values

__all__ = ["Scenario", "load_scenario", "with_values"]
