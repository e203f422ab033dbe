"""``chainsim play`` (issue 8): the Beer Game in the terminal, orders typed on stdin.

End to end through the Typer app with ``CliRunner(input=...)``; the mechanics (what the board
shows at the review, the benchmark) through ``chainsim.play`` directly. Expected numbers come
from the scenario's own bot-only game or from stock-flow identities, not pinned values, so the
tests hold when the Beer Game scenario's parameters change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from chainsim.cli import app
from chainsim.experiments.replicate import simulate
from chainsim.play.benchmark import base_stock_levels, benchmark_game, bots_game
from chainsim.play.game import COLUMNS, Game, choose_role, game_scenario, playable_roles
from chainsim.play.output import game_frame
from chainsim.play.terminal import parse_order, sparkline
from chainsim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BEER = ROOT / "scenarios" / "teaching" / "beer_game.yaml"
ENV = {"COLUMNS": "120", "NO_COLOR": "1"}
ROLES = ["retailer", "wholesaler", "distributor", "factory"]  # consumer end first
TYPED = [4, 4, 4, 4, 8, 12, 0, 10, 6.5, 8, 9, 3]  # repeated over the game

SERIAL = """\
name: serial-play
horizon_days: 20
seed: 5
nodes:
  - id: plant
    role: manufacturer
    infinite_supply: true
  - id: dc
    role: distributor
    policy: {type: base_stock, S: 60}
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    policy: {type: base_stock, S: 40}
lanes:
  - {from: plant, to: dc, lead_time: {dist: constant, value: 3}}
  - {from: dc, to: shop, lead_time: {dist: constant, value: 2}}
"""


def play(args: list[str], lines: list) -> object:
    text = "".join(f"{x}\n" for x in lines)
    return CliRunner().invoke(app, ["play", *map(str, args)], input=text, env=ENV)


def weeks_of(scn) -> int:
    return load_scenario(scn).horizon_days


@pytest.fixture(scope="module")
def full_game(tmp_path_factory):
    """The whole Beer Game as the wholesaler, varied orders piped in."""
    out = tmp_path_factory.mktemp("play") / "game"
    weeks = weeks_of(BEER)
    typed = [TYPED[i % len(TYPED)] for i in range(weeks)]
    result = play([BEER, "--role", "wholesaler", "--out", out], typed)
    return result, out, typed, weeks


def test_full_game_writes_one_row_per_week_per_role(full_game):
    result, out, _, weeks = full_game
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "game.csv")
    assert list(frame.columns) == COLUMNS
    assert len(frame) == weeks * len(ROLES)
    assert list(frame["week"].unique()) == list(range(1, weeks + 1))
    assert list(frame[frame["week"] == 1]["role"]) == ROLES
    assert set(frame[frame["role"] == "wholesaler"]["played_by"]) == {"player"}
    assert set(frame[frame["role"] != "wholesaler"]["played_by"]) == {"bot"}
    for name in ("bullwhip_orders", "bullwhip_ratio"):
        for ext in ("png", "svg"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 0
    bench = pd.read_csv(out / "benchmark.csv")
    assert len(bench) == len(frame) and set(bench["played_by"]) == {"bot"}
    assert "base-stock" in result.output and "Bullwhip" in result.output
    assert f"week {weeks} of {weeks}" in result.output


def test_player_orders_are_what_was_typed(full_game):
    _, out, typed, _ = full_game
    frame = pd.read_csv(out / "game.csv")
    mine = frame[frame["role"] == "wholesaler"]["order_placed"].tolist()
    assert mine == pytest.approx(typed)


def test_stock_flows_balance_every_week_for_every_role(full_game):
    """Net stock (on hand − backlog) changes by received − asked; the supply line by
    ordered − received; the week's cost is charged on the end-of-week levels."""
    _, out, _, _ = full_game
    frame = pd.read_csv(out / "game.csv")
    specs = {n.id: n for n in load_scenario(BEER).nodes}
    for role in ROLES:
        rows = frame[frame["role"] == role].reset_index(drop=True)
        net = rows["on_hand"] - rows["backlog"]
        start = specs[role].initial.on_hand  # the game starts with no backlog
        previous = pd.concat([pd.Series([start]), net[:-1]], ignore_index=True)
        assert (net - previous).tolist() == pytest.approx(
            (rows["shipment_received"] - rows["incoming_order"]).tolist())
        line = rows["on_order"]
        assert line.diff()[1:].tolist() == pytest.approx(
            (rows["order_placed"] - rows["shipment_received"])[1:].tolist())
        costs = specs[role].costs
        assert rows["cost"].tolist() == pytest.approx(
            (costs.holding * rows["on_hand"] + costs.backorder * rows["backlog"]).tolist())
        assert (rows[["on_hand", "backlog", "on_order"]] >= 0).all().all()


def test_bad_lines_are_refused_and_asked_again_then_eof_ends_the_game(tmp_path):
    out = tmp_path / "game"
    result = play([BEER, "--role", "distributor", "--out", out],
                  ["abc", "", "-3", "nan", "inf", "1e400", 5, 6, "7.5"])
    assert result.exit_code == 0, result.output
    assert result.output.count("refused:") == 6
    assert result.output.count("order for week 1 ") == 7  # asked again after each refusal
    assert "game stopped" in result.output
    frame = pd.read_csv(out / "game.csv")
    assert len(frame) == 3 * len(ROLES) and frame["week"].max() == 3
    mine = frame[frame["role"] == "distributor"]["order_placed"].tolist()
    assert mine == [5, 6, 7.5]
    assert (out / "figures" / "bullwhip_orders.png").exists()


def test_eof_before_any_order_saves_an_empty_game(tmp_path):
    out = tmp_path / "game"
    result = play([BEER, "--out", out], [])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "game.csv")
    assert list(frame.columns) == COLUMNS and frame.empty
    assert "No week was played" in result.output


def test_the_game_speaks_of_the_scenarios_period(tmp_path):
    """A scenario without ``period: week`` plays days, and says so at the end too."""
    result = play([ROOT / "scenarios" / "examples" / "single_retailer.yaml", "--out",
                   tmp_path / "game"], [])
    assert result.exit_code == 0, result.output
    assert "No day was played" in result.output and "week" not in result.output


def test_q_stops_the_game(tmp_path):
    out = tmp_path / "game"
    result = play([BEER, "--role", "factory", "--weeks", "4", "--out", out], [4, "q", 4])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out / "game.csv")["week"].max() == 1


@pytest.mark.parametrize("role, words", [
    ("nobody", "unknown role 'nobody'"),
    ("brewery", "brewery cannot be played"),
])
def test_a_role_that_cannot_be_played_exits_2_listing_the_roles(tmp_path, role, words):
    out = tmp_path / "game"
    result = play([BEER, "--role", role, "--out", out], [4, 4])
    assert result.exit_code == 2
    assert words in result.output
    assert "retailer, wholesaler, distributor, factory" in result.output
    assert not out.exists()


def test_typing_the_bots_orders_reproduces_the_bot_game(tmp_path):
    """The player's node orders exactly where its policy would: typing the Sterman bot's own
    orders gives the bot-only game, every role, every week."""
    scn = game_scenario(load_scenario(BEER))
    bots = game_frame(bots_game(scn, scn.horizon_days))
    typed = bots[bots["role"] == "wholesaler"]["order_placed"].tolist()
    out = tmp_path / "game"
    result = play([BEER, "--role", "wholesaler", "--out", out], typed)
    assert result.exit_code == 0, result.output
    game = pd.read_csv(out / "game.csv")
    assert (game["played_by"] == "player").sum() == len(typed)
    columns = [c for c in COLUMNS if c != "played_by"]
    pd.testing.assert_frame_equal(game[columns], bots[columns], check_dtype=False)


def test_the_bot_game_is_the_engines_run():
    """Stepping a week at a time runs the same days as ``simulate``."""
    scn = game_scenario(load_scenario(BEER))
    frame = game_frame(bots_game(scn, scn.horizon_days))
    series = simulate(scn, timeseries=True).timeseries
    for role in ROLES:
        rows = frame[frame["role"] == role]
        ts = series[series["node"] == role]
        for ours, theirs in [("on_hand", "on_hand"), ("backlog", "backorders"),
                             ("on_order", "on_order"), ("order_placed", "orders"),
                             ("incoming_order", "demand")]:
            assert rows[ours].tolist() == pytest.approx(ts[theirs].tolist()), (role, ours)


@pytest.mark.parametrize("role", ["retailer", "wholesaler", "factory"])
def test_the_board_shows_what_is_known_at_the_review(role):
    """At its review a role has received the week's shipments and taken its buyer's order of
    the week; a retailer's customers come after it orders (it sees last week's)."""
    scn = game_scenario(load_scenario(BEER), weeks=12)
    boards = []

    def decide(board):
        boards.append(board)
        return 4 + board.week % 5

    game = Game(scn, role, decide).play()
    rows = game_frame(game)
    mine = rows[rows["role"] == role].reset_index(drop=True)
    for b, row in zip(boards, mine.itertuples(), strict=True):
        assert b.received == row.shipment_received
        assert row.order_placed == 4 + b.week % 5
        # the order is placed right after the board: the supply line grows by it (the
        # supplier's shipments take 2 weeks, so none comes back the same week)
        assert row.on_order == pytest.approx(b.on_order + row.order_placed)
        if role == "retailer":
            assert b.incoming == 0 and b.consumers
            expected = None if b.week == 1 else mine["incoming_order"][b.week - 2]
            assert b.last_consumers == expected
            assert row.on_hand - row.backlog == pytest.approx(
                b.on_hand - b.backlog - row.incoming_order)
        else:
            assert b.incoming == row.incoming_order and not b.consumers
            assert (b.on_hand, b.backlog) == (row.on_hand, row.backlog)
    assert [b.week for b in boards] == list(range(1, 13))
    assert boards[-1].team_cost == pytest.approx(rows[rows["week"] < 12]["cost"].sum())


def test_base_stock_benchmark_passes_on_what_it_is_asked():
    scn = game_scenario(load_scenario(BEER))
    roles = playable_roles(scn)
    levels = base_stock_levels(scn, roles)
    specs = {n.id: n for n in scn.nodes}
    for r in roles:  # on hand + the pipeline (order delay + lead time) + first week's customers
        lane = next(ln for ln in scn.lanes if ln.dst == r)
        slots = lane.order_delay + lane.lead_time.value
        first = specs[r].demand.before if specs[r].demand is not None else 0
        assert levels[r] == specs[r].initial.on_hand + specs[r].initial.pipeline * slots + first
    frame = game_frame(benchmark_game(scn, roles, 20))
    assert frame["week"].max() == 20
    for r in roles:
        rows = frame[frame["role"] == r]
        asked = rows["incoming_order"].tolist()
        if r == "retailer":  # its customers come after it orders: last week's demand
            asked = [specs[r].demand.before, *asked[:-1]]
        assert rows["order_placed"].tolist() == pytest.approx(asked)


def test_any_serial_scenario_can_be_played(tmp_path):
    path = tmp_path / "serial.yaml"
    path.write_text(SERIAL)
    scn = load_scenario(path)
    assert playable_roles(scn) == ["shop", "dc"]
    assert choose_role(scn, None) == "shop"  # no node called retailer: the consumer end
    game = Game(game_scenario(scn, weeks=6), "dc", lambda board: 10).play()
    rows = game_frame(game)
    assert len(rows) == 12 and rows[rows["role"] == "dc"]["order_placed"].tolist() == [10] * 6
    result = play([path, "--role", "plant", "--out", tmp_path / "g"], [1])
    assert result.exit_code == 2 and "shop, dc" in result.output


@pytest.mark.parametrize("text, value", [("4", 4), (" 8 \n", 8), ("2.5", 2.5), ("0", 0),
                                         ("-0", 0), ("1e2", 100)])
def test_parse_order_accepts_non_negative_numbers(text, value):
    assert parse_order(text) == (value, None)


@pytest.mark.parametrize("text", ["", "  ", "abc", "-3", "nan", "inf", "-inf", "4 cases"])
def test_parse_order_refuses_the_rest(text):
    order, problem = parse_order(text)
    assert order is None and problem


def test_sparkline_shares_one_scale():
    assert sparkline([0, 4, 8], 8) == " ▄█"
    assert len(sparkline(range(100), 99, width=40)) == 40


def test_an_order_over_the_limit_is_refused_and_asked_again(tmp_path):
    from chainsim.play.game import MAX_ORDER

    out = tmp_path / "game"
    result = play([BEER, "--weeks", "3", "--out", out], ["1e308", "1e308", f"{MAX_ORDER:.0f}", 5, 5])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # as one line, however the console wrapped it
    assert said.count("refused: an order of 1e308 is over the limit") == 2
    frame = pd.read_csv(out / "game.csv")
    assert frame[frame["played_by"] == "player"]["order_placed"].tolist() == [MAX_ORDER, 5, 5]
    assert parse_order(str(MAX_ORDER * 1.0000001))[0] is None


@pytest.mark.parametrize("weeks", ["1e8", "three", "2.5", "0"])
def test_weeks_that_are_not_a_whole_number_from_1_exit_2(tmp_path, weeks):
    out = tmp_path / "game"
    result = play([BEER, "--weeks", weeks, "--out", out], [4])
    assert result.exit_code == 2
    assert "--weeks" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_game_that_ends_on_an_error_still_saves_the_weeks_played(tmp_path, monkeypatch):
    from chainsim.play import game as game_module

    def explode(self):
        if self.played == 2:
            raise OverflowError("a test's failure in week 3")
        return original(self)

    original = game_module.Game.play_week
    monkeypatch.setattr(game_module.Game, "play_week", explode)
    out = tmp_path / "game"
    result = play([BEER, "--weeks", "5", "--out", out], [4, 4, 4, 4, 4])
    said = " ".join(result.output.split())  # as one line, however the console wrapped it
    assert "the game stopped on an error in week 3" in said
    assert "OverflowError: a test's failure in week 3" in said
    assert pd.read_csv(out / "game.csv")["week"].max() == 2
