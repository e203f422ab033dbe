"""What the player sees and types: the week's board, the order prompt, the end-of-game tables.

Orders are read one line at a time with ``Console.input`` (the builtin ``input``), so piped
input works (``printf '4\\n8\\n' | chainsim play ...``); when stdin is not a terminal the line
read is echoed after the prompt so the transcript reads as a dialogue. End of input, Ctrl-C or
``q`` ends the game. Output is plain rich text: without a terminal rich drops colours and wraps
at 80 columns.
"""

from __future__ import annotations

import math
import sys

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chainsim.play.game import MAX_ORDER, Board

STOP_WORDS = {"q", "quit", "exit"}
BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 40  # longer games are drawn in buckets (the largest order of each)
BAR_WIDTH = 20


def parse_order(text: str) -> tuple[float | None, str | None]:
    """(order, None) for a number from 0 to `MAX_ORDER` (whole numbers as int), else (None, why
    not)."""
    t = text.strip()
    if not t:
        return None, "type the number of units to order (0 or more), or q to stop"
    try:
        x = float(t)
    except ValueError:
        return None, f"{t!r} is not a number: type the units to order (0 or more), or q to stop"
    if not math.isfinite(x):
        return None, f"{t!r} is not a finite number: type the units to order (0 or more)"
    if x < 0:
        return None, f"an order cannot be negative ({t}): type 0 or more"
    if x > MAX_ORDER:
        return None, f"an order of {t} is over the limit of {MAX_ORDER:,.0f} units: type less"
    x = abs(x)  # -0.0
    return (int(x) if x.is_integer() else x), None


def fmt(x: float | None) -> str:
    """A quantity or cost: whole numbers without decimals, others with up to two."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


class Terminal:
    """The game's dialogue on a rich console; ``decide`` is the ``Game``'s player."""

    def __init__(self, console: Console):
        self.console = console
        self.echo = not _is_tty(sys.stdin)

    def intro(self, scn, role: str, supplier: str, delay: str, bots: list[str]) -> None:
        c, unit = self.console, scn.period
        c.rule(f"The Beer Game: {escape(scn.name)}")
        c.print(f"You play [bold]{escape(role)}[/bold] for {plural(scn.horizon_days, unit)}. "
                f"Each {unit} you see your stock and type how many units to order from "
                f"{escape(supplier)} ({delay}). The other roles are bots ordering by the "
                f"scenario's policies: {escape(', '.join(bots)) or 'none'}. Costs: holding on "
                f"stock on hand and backlog on what you owe, at the end of each {unit}. End "
                "of input, Ctrl-C or q ends the game; what was played is saved.")

    def show_board(self, b: Board) -> None:
        unit = b.period
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column(justify="right")
        grid.add_column(style="dim")
        if b.buyers:
            grid.add_row("orders in this " + unit, fmt(b.incoming),
                         f"from {escape(', '.join(b.buyers))}; you shipped {fmt(b.shipped)}")
        if b.consumers:
            grid.add_row("customers last " + unit, fmt(b.last_consumers),
                         f"this {unit}'s customers buy after you order")
        grid.add_row("shipment received", fmt(b.received), f"arrived this {unit}")
        grid.add_row("on hand", fmt(b.on_hand), "")
        grid.add_row("backlog", fmt(b.backlog), "owed to your customers")
        grid.add_row("on order", fmt(b.on_order), "supply line: ordered, not yet received")
        grid.add_row("your last order", fmt(b.last_order), "")
        grid.add_row("cost so far", fmt(b.cost), f"team {fmt(b.team_cost)}")
        self.console.rule(f"{unit} {b.week} of {b.weeks} · {escape(b.role)}", align="left")
        self.console.print(grid)

    def decide(self, board: Board) -> float | None:
        """Show the board and read an order until a valid one (None: the game ends)."""
        self.show_board(board)
        while True:
            try:
                line = self.console.input(f"order for {board.period} {board.week} (q to stop): ")
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                self.console.print("game stopped.")
                return None
            if self.echo:
                self.console.print(line, markup=False, highlight=False)
            if line.strip().lower() in STOP_WORDS:
                self.console.print("game stopped.")
                return None
            order, problem = parse_order(line)
            if problem is None:
                return order
            self.console.print(f"refused: {escape(problem)}", highlight=False)

    # ------------------------------------------------------------------ end of the game
    def show_orders(self, frame: pd.DataFrame, consumers: pd.Series, unit: str) -> None:
        """One sparkline of weekly orders per role (consumer end first) under the consumer
        demand, on one scale, so the swings can be compared."""
        series = {"consumers": ("", list(consumers))}
        for role, rows in frame.groupby("role", sort=False):
            series[role] = (rows["played_by"].iloc[0], list(rows["order_placed"]))
        top = max((max(v, default=0) for _, v in series.values()), default=0)
        self.console.print(f"[bold]Orders per {unit}[/bold] (one scale: a full block is "
                           f"{fmt(top)})", highlight=False)
        table = Table()
        table.add_column("role")
        table.add_column("by")
        table.add_column("orders", no_wrap=True)
        table.add_column("min–max", justify="right")
        for name, (by, values) in series.items():
            span = f"{fmt(min(values))}–{fmt(max(values))}" if values else "–"
            table.add_row(escape(name), by, sparkline(values, top), span)
        self.console.print(table)

    def show_ratios(self, ratios: pd.DataFrame) -> None:
        """Variance of each role's orders over the consumer demand's, with a bar."""
        top = ratios["amplification"].max(skipna=True)
        self.console.print("[bold]Bullwhip[/bold]: variance of each role's orders ÷ variance of "
                           "the consumer demand (÷ own: ÷ variance of what the role was asked, "
                           "the bullwhip KPI; –: fewer than 2 weeks or no variation)",
                           highlight=False)
        table = Table()
        table.add_column("role")
        table.add_column("by")
        table.add_column("÷ consumers", justify="right")
        table.add_column("", no_wrap=True)
        table.add_column("÷ own", justify="right")
        for r in ratios.itertuples():
            amp = r.amplification
            bar = "" if math.isnan(amp) or not top > 0 else "█" * max(
                1, round(amp / top * BAR_WIDTH))
            table.add_row(escape(r.role), r.played_by, _ratio(amp), bar, _ratio(r.bullwhip))
        self.console.print(table)

    def show_costs(self, costs: dict[str, pd.Series], role: str, weeks: int, unit: str) -> None:
        """Holding + backlog cost per role and for the team, one column per way of playing."""
        self.console.print(f"[bold]Costs[/bold] over {plural(weeks, unit)} (holding + backlog)",
                           highlight=False)
        table = Table()
        table.add_column("role")
        for name in costs:
            table.add_column(escape(name), justify="right")
        roles = list(next(iter(costs.values())).index)
        for r in roles:
            label = f"{r} (you)" if r == role else r
            table.add_row(escape(label), *[fmt(c.get(r)) for c in costs.values()])
        table.add_row("[bold]team[/bold]", *[f"[bold]{fmt(c.sum())}[/bold]"
                                             for c in costs.values()], end_section=True)
        self.console.print(table)


def sparkline(values, top: float, width: int = SPARK_WIDTH) -> str:
    """Block characters, 0 as a space and ``top`` as a full block; more than ``width`` values
    are drawn as the largest of each of ``width`` buckets."""
    values = [float(v) for v in values]
    if len(values) > width:
        n = len(values)
        values = [max(values[i * n // width:(i + 1) * n // width]) for i in range(width)]
    if not top > 0:
        return " " * len(values)
    chars = []
    for v in values:
        level = math.ceil(min(max(v, 0.0), top) / top * len(BLOCKS)) - 1
        chars.append(" " if level < 0 else BLOCKS[level])
    return "".join(chars)


def plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _ratio(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:,.2f}"


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
