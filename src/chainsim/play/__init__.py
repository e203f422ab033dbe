"""``chainsim play``: the Beer Game in the terminal (issue 8).

One role of a serial scenario is played by a person, week by week; the other roles order by
their scenario policy (Sterman's heuristic in ``scenarios/teaching/beer_game.yaml``).

- ``game``: the mechanics — one replication stepped a week at a time, the player's node ordering
  through ``ManualPolicy``, one row per week per role;
- ``benchmark``: the same weeks with every role on base-stock (and with the scenario's bots);
- ``terminal``: what the player sees and types (rich output, orders read line by line);
- ``output``: the game's table, its bullwhip ratios, ``game.csv`` and the figures;
- ``session``: the whole command, from a loaded scenario to the saved folder.
"""
