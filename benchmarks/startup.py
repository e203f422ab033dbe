#!/usr/bin/env python3
"""CLI start-up time: wall clock of ``chainsim --help`` in a fresh process, best of K, vs 0.5 s.

For scale it also times a bare interpreter (``python -c pass``) and ``python -c "import
chainsim"``, and lists the heaviest top-level imports of ``chainsim --help``
(``python -X importtime``), so that a regression points at the module that caused it.

    python benchmarks/startup.py            # best of 5
    python benchmarks/startup.py --repeat 9
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.5


def chainsim_script() -> list[str] | None:
    """The installed ``chainsim`` console script (next to this interpreter, else on PATH)."""
    here = Path(sys.executable).parent / "chainsim"
    if here.is_file():
        return [str(here)]
    found = shutil.which("chainsim")
    return [found] if found else None


def best_wall(cmd: list[str], repeat: int) -> tuple[float, int]:
    """(fastest wall-clock seconds of ``repeat`` runs after one untimed run, last exit code)."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best, rc = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
        rc = p.returncode
    return best, rc


def heaviest_imports(script: str, top: int = 5) -> list[tuple[str, float]]:
    """Top-level imports of ``chainsim --help`` by cumulative time (s), from -X importtime."""
    p = subprocess.run([sys.executable, "-X", "importtime", script, "--help"],
                       capture_output=True, text=True)
    out = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue                                   # the header line
        name = parts[2]
        if name.startswith(" ") and not name.startswith("  "):   # one space: top level
            out.append((name.strip(), int(parts[1]) / 1e6))
    return sorted(out, key=lambda x: -x[1])[:top]


def run_startup(repeat: int = 5) -> dict:
    script = chainsim_script()
    res: dict = {"repeat": repeat, "target_s": TARGET_S}
    res["python_s"], _ = best_wall([sys.executable, "-c", "pass"], repeat)
    res["import_s"], rc = best_wall([sys.executable, "-c", "import chainsim"], repeat)
    if rc:
        res["import_error"] = f"exit code {rc}"
    if script is None:
        res["error"] = "no chainsim console script next to this python or on PATH"
        return res
    res["script"] = script[0]
    res["help_s"], rc = best_wall([*script, "--help"], repeat)
    if rc:
        res["error"] = f"chainsim --help: exit code {rc}"
    res["imports"] = heaviest_imports(script[0])
    return res


def startup_table(res: dict) -> tuple[str, list[str], list[list[str]]]:
    k = res["repeat"]
    head = ["command", f"best of {k} s", "target s", "verdict"]
    body = [["python -c pass", f"{res['python_s']:.3f}", "", "(interpreter alone)"],
            ['python -c "import chainsim"', f"{res['import_s']:.3f}", "",
             res.get("import_error", "")]]
    if "help_s" in res:
        ok = res["help_s"] < res["target_s"] and "error" not in res
        body.append(["chainsim --help", f"{res['help_s']:.3f}", f"{res['target_s']:.1f}",
                     ("OK" if ok else "OVER TARGET") + (f" ({res['error']})" if "error" in res
                                                        else "")])
    else:
        body.append(["chainsim --help", "-", f"{res['target_s']:.1f}", res.get("error", "")])
    return "CLI start-up, wall clock of a fresh process (subprocess)", head, body


def startup_notes(res: dict) -> list[str]:
    if not res.get("imports"):
        return []
    return ["heaviest top-level imports of chainsim --help (cumulative, -X importtime): "
            + ", ".join(f"{name} {s * 1000:.0f} ms" for name, s in res["imports"])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="wall clock of `chainsim --help`, best of K")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import print_table

    res = run_startup(a.repeat)
    print_table(*startup_table(res))
    for line in startup_notes(res):
        print(line)
    return 0 if "error" not in res and res["help_s"] < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
