"""`python -m razao.local up|down|status [--dir DIR]`: the local stack (`razao.local.stack`).

`up` starts a pg_auto_failover formation (monitor, primary, synchronous secondary), a PgBouncer per node
and two API processes on free ports of 127.0.0.1, and prints how to reach them; when it is already up it
says so and exits 0. `down` stops everything it recorded, by PID, and deletes the data. `status` prints
what runs, as JSON (exit 1 when the stack is not up). DIR defaults to var/local. `watch` is the
stack's own watcher (started by `up`: it re-reads the nodes' state into the PgBouncers after a failover).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from razao.local import stack


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m razao.local", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("up", "down", "status", "watch"))
    parser.add_argument("--dir", type=Path, default=stack.DEFAULT_DIRECTORY, help="where the stack lives")
    args = parser.parse_args(argv)
    if args.command == "up":
        try:
            started = stack.up(args.dir)
        except stack.AlreadyUp as already:
            print(f"already up ({already.stack.state_file}):")
            print(stack.how_to_reach(already.stack))
            return 0
        print(stack.how_to_reach(started))
        return 0
    if args.command == "watch":  # started by `up`: keeps the PgBouncers right after a failover
        stack.watch(args.dir)
        return 0
    if args.command == "down":
        stopped = stack.down(args.dir)
        print(f"stopped {', '.join(stopped)}" if stopped else "nothing was running")
        return 0
    found = stack.status(args.dir)
    if found is None:
        print("not up")
        return 1
    print(json.dumps(found, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
