"""Keep a started chitieu ready for the next commands typed in this folder.

``start`` leaves a server behind that always holds one fresh runner: a process that
has imported the kit and its libraries and started the kernels a render needs. The
next ``chitieu`` command in this folder runs in that runner (as a cold command would,
in a process and kernels nothing ran in before) and the server prepares the next one.
A command runs cold instead when its folder, environment variables or the kit's code
differ from the runner's, or while the runner is busy. The server stops after
``--idle`` seconds without a command, or with ``stop``. ``CHITIEU_WARM=0`` ignores it.

Examples:
  chitieu warm start --idle 1800
  chitieu render --unit 22435 --out outputs/
  chitieu warm status
  chitieu warm stop
"""

from __future__ import annotations

import argparse
import sys

from .. import warm
from ..errors import InputError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status"), help="what to do with the server")
    parser.add_argument("--idle", type=float, default=warm.IDLE_SECONDS, metavar="SECONDS",
                        help="stop after this many seconds without a command (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="kernels kept ready for a batch (default: the number of cores, "
                             "as chitieu render)")


def run(args) -> int:
    if args.action == "start":
        if args.idle <= 0:
            raise InputError(f"--idle {args.idle:g}: expected a number of seconds above 0")
        try:
            pid, started = warm.start(idle=args.idle, workers=args.workers)
        except RuntimeError as exc:
            print(f"chitieu warm: error: {exc}", file=sys.stderr)
            return 1
        print(f"chitieu warm: {'started' if started else 'already running'} (pid {pid}) for "
              f"{warm.server_paths()['cwd']}; stops after {args.idle:g} s without a command")
        return 0
    if args.action == "stop":
        pid = warm.stop()
        print("chitieu warm: not running" if pid is None else f"chitieu warm: stopped (pid {pid})")
        return 0
    now = warm.state()
    print("chitieu warm: not running" if now is None else f"chitieu warm: {now} "
          f"(pid {warm.server_pid(warm.server_paths())}) for {warm.server_paths()['cwd']}")
    return 0
