"""The whole ``chainsim play`` session: set up the game, play it in the terminal, compare it,
save it.

At the end (all weeks, or when the player stops) the weeks played are compared with the same
weeks played by bots only (the scenario's policies) and by the base-stock benchmark
(``play.benchmark``), and the output folder gets ``game.csv`` (one row per week per role),
``benchmark.csv`` (the base-stock game) and ``figures/bullwhip_orders`` and
``figures/bullwhip_ratio`` (PNG and SVG). Each CSV is written atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from chainsim.play.benchmark import benchmark_game, bots_game
from chainsim.play.game import Game, choose_role, game_scenario, playable_roles
from chainsim.play.output import consumer_demand, figures, game_frame, ratio_table, write_csv
from chainsim.play.terminal import Terminal, plural
from chainsim.scenario.schema import Scenario


@dataclass
class Session:
    """A game ready to play: its scenario (one replication, the weeks, no warm-up) and role."""

    scenario: Scenario
    role: str
    written: list[Path] = field(default_factory=list)
    weeks_played: int = 0


def prepare(scn: Scenario, role: str | None = None, weeks: int | None = None,
            seed: int | None = None) -> Session:
    """Check the role (PlayError naming the playable ones) and fix the game's scenario."""
    role = choose_role(scn, role)
    return Session(game_scenario(scn, weeks=weeks, seed=seed), role)


def supply_text(scn: Scenario, role: str) -> tuple[str, str]:
    """The role's supplier and how long an order takes to arrive from it, in words."""
    from chainsim.model.dists import mean_of
    from chainsim.scenario.graph import lanes_into

    lane = lanes_into(scn, role)[0]
    lead = mean_of(lane.lead_time)
    unit = scn.period
    parts = [f"{plural(lane.order_delay, unit)} in the mail"] if lane.order_delay else []
    parts.append(f"{lead:g} {unit}{'' if lead == 1 else 's'} on the road"
                 + ("" if lane.lead_time.dist == "constant" else " on average"))
    return lane.src, " + ".join(parts)


def play(session: Session, out_dir: Path, console: Console) -> Session:
    """Play the game on the console, print the comparison, write the output folder."""
    scn, role = session.scenario, session.role
    term = Terminal(console)
    supplier, delay = supply_text(scn, role)
    bots = [r for r in playable_roles(scn) if r != role]
    term.intro(scn, role, supplier, delay, bots)
    game = Game(scn, role, decide=term.decide)
    try:
        game.play()
    except KeyboardInterrupt:  # outside the prompt: the week being simulated is not kept
        console.print("game stopped.")
    except Exception as exc:  # noqa: BLE001 - whatever ends the game, the weeks played are saved
        console.print(f"the game stopped on an error in {scn.period} {game.played + 1} "
                      f"({type(exc).__name__}: {exc}); the {scn.period}s before it are saved.",
                      markup=False, highlight=False)
    session.weeks_played = game.played
    frame = game_frame(game)
    out_dir = Path(out_dir)
    session.written.append(write_csv(frame, out_dir / "game.csv"))
    console.rule("End of the game")
    if not game.played:
        console.print(f"No {scn.period} was played.")
        return session
    unit = scn.period
    ratios = ratio_table(frame, scn)
    term.show_orders(frame, consumer_demand(frame, scn), unit)
    term.show_ratios(ratios)
    bench = game_frame(benchmark_game(scn, game.roles, game.played))
    bots_only = game_frame(bots_game(scn, game.played))
    costs = {"this game": frame, "bots only": bots_only, "base-stock": bench}
    term.show_costs({k: f.groupby("role", sort=False)["cost"].sum() for k, f in costs.items()},
                    role, game.played, unit)
    team, benchmark = frame["cost"].sum(), bench["cost"].sum()
    console.print(f"Team cost {team:,.2f} against {benchmark:,.2f} for the base-stock "
                  f"benchmark ({_times(team, benchmark)}): every role ordering up to its "
                  "starting inventory position (+ the first week's consumers at the "
                  "retailer), i.e. passing on exactly what it is asked.", highlight=False)
    session.written.append(write_csv(bench, out_dir / "benchmark.csv"))
    from chainsim.report.bullwhip import write_run_figures

    session.written += write_run_figures(figures(game, ratios), out_dir / "figures")
    return session


def _times(cost: float, reference: float) -> str:
    if reference <= 0:
        return "the benchmark costs nothing"
    return f"{cost / reference:.2f} × the benchmark"
