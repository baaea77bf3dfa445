"""Child processes die with their parent: no orphan keeps serving or taking tasks after a SIGKILL.

Granian's HTTP workers and taskiq's worker children are forked by a main process that a supervisor
(run.sh, systemd, Docker) tracks. When that main process is killed, Linux re-parents the children
to pid 1 and they keep running next to the replacement the supervisor starts. PR_SET_PDEATHSIG asks
the kernel to send them a signal instead (SIGTERM: they finish in-flight work and exit).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, sig: int = signal.SIGTERM) -> None:
    """Call in the child: `sig` when the process `parent_pid` (the one that forked us) exits."""
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the call above: the kernel will not tell us
        os.kill(os.getpid(), sig)


def forked_children_die_with_this_process(sig: int = signal.SIGTERM) -> None:
    """Call in a main process before it forks its workers (Granian): each forked child dies with it."""
    main = os.getpid()
    os.register_at_fork(after_in_child=lambda: die_with_parent(main, sig))
