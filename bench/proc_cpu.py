"""CPU seconds of processes, read from Linux's ``/proc``: the benchmarks' one reader of it."""

from __future__ import annotations

import os

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command's name (field 3 first); None if unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU a process has used so far; None if it cannot be read."""
    fields = stat_fields(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / TICKS


def tree_cpu(pid: int) -> float | None:
    """CPU seconds a process, its descendants alive and those it reaped have used; None where there is no ``/proc``."""
    stats = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if entry.isdigit() and (fields := stat_fields(int(entry))) is not None:
            stats[int(entry)] = fields
    if pid not in stats:
        return None
    children: dict[int, list[int]] = {}
    for child, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(child)  # field 4: the parent's pid
    fields = stats[pid]
    total = sum(int(fields[i]) for i in (11, 12, 13, 14))  # its own, and its reaped children's, user and system
    pending = list(children.get(pid, ()))
    while pending:
        child = pending.pop()
        total += int(stats[child][11]) + int(stats[child][12])
        pending += children.get(child, ())
    return total / TICKS
