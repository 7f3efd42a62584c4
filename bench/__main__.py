"""``python -m bench`` (``make bench``): run every ``bench/bench_*.py``.

Each benchmark's ``main()`` runs in its own Python process, because benchmarks configure Django
differently (database, URLconf) and Django can be set up only once per process. Output passes
straight through under a one-line header; the exit status is non-zero if any benchmark failed
(raised, returned non-zero, or ran past its time limit).

    python -m bench                 # all of them
    python -m bench catalog audit   # only bench_catalog.py and bench_audit.py
    python -m bench --list
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_TIMEOUT = float(os.environ.get("ONESTOP_BENCH_TIMEOUT", "300"))

# Imports the module by name and turns main()'s return value into the exit status (None means 0).
_RUNNER = "import sys, importlib; sys.exit(importlib.import_module(sys.argv[1]).main() or 0)"


def discover(names: list[str]) -> list[str]:
    """Module names of the benchmarks, sorted; ``names`` filters by the part after ``bench_``."""
    found = sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))
    if not names:
        return found
    wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
    unknown = wanted - {f.removeprefix("bench_") for f in found}
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(found)})")
    return [f for f in found if f.removeprefix("bench_") in wanted]


def run_one(module: str, timeout: float) -> tuple[bool, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), str(REPO / "src"), env.get("PYTHONPATH", "")) if p
    )
    env.setdefault("PYTHONUNBUFFERED", "1")
    try:
        # A new session, so that on timeout the benchmark's servers go down with it.
        process = subprocess.Popen(
            [sys.executable, "-c", _RUNNER, f"bench.{module}"], cwd=REPO, env=env, start_new_session=True
        )
    except OSError as exc:
        return False, f"could not start: {exc}"
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        return False, f"timed out after {timeout:g}s"
    return code == 0, "ok" if code == 0 else f"exit status {code}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run OneStop's benchmarks.")
    parser.add_argument("names", nargs="*", help="benchmarks to run (e.g. catalog); all by default")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per benchmark")
    args = parser.parse_args(argv)

    modules = discover(args.names)
    if args.list:
        print("\n".join(modules))
        return 0
    if not modules:
        print("no benchmarks found in bench/")
        return 1

    results: list[tuple[str, bool, str, float]] = []
    for module in modules:
        print(f"=== {module} ===", flush=True)
        started = time.monotonic()
        ok, detail = run_one(module, args.timeout)
        elapsed = time.monotonic() - started
        results.append((module, ok, detail, elapsed))
        if not ok:
            print(f"--- {module} FAILED: {detail}", flush=True)

    print("=== summary ===")
    for module, ok, detail, elapsed in results:
        print(f"{module:<24} {'ok' if ok else 'FAILED (' + detail + ')'}  {elapsed:.1f}s")
    return 0 if all(ok for _, ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
