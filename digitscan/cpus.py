"""How many CPUs this process may use: what `--workers`, the LiteRT threads and a local Ray
default to.

`os.cpu_count()` counts the machine's CPUs. In a container or a batch job limited to a few of
them (a CPU quota: Docker's `--cpus`, Kubernetes' limits, systemd's CPUQuota) it still says
all of the host's, and a reader process started for each of 64 host CPUs, each with its models
(about 150 MB), runs 64 processes' worth of memory on 2 CPUs' worth of time. The CPUs the
process may run on (its affinity) and its cgroup's quota, the smaller of them, are what it has.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def quota_of(text_max: str | None, text_v1: tuple[str, str] | None = None) -> float | None:
    """CPUs a cgroup's quota allows, from cgroup v2's `cpu.max` ("QUOTA PERIOD", "max PERIOD")
    or v1's `cpu.cfs_quota_us` and `cpu.cfs_period_us` (a quota of -1: none); None for none."""
    try:
        if text_max is not None:
            quota, period = text_max.split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        if text_v1 is not None:
            quota, period = (int(text.strip()) for text in text_v1)
            return None if quota < 0 else quota / period
    except (ValueError, ZeroDivisionError):
        return None  # a file this reading does not know: no limit learnt from it
    return None


def read_text(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def cgroup_cpu_limit(root: Path = CGROUP_ROOT, membership: str | None = None) -> float | None:
    """The CPUs this process's cgroup (and those above it) allow, None where no quota is set.
    `membership` is /proc/self/cgroup's text: cgroup v2's limit is looked for in the process's
    own group and every group above it; v1's at the cpu controller's mount (a container's own
    view of it)."""
    membership = read_text(Path("/proc/self/cgroup")) if membership is None else membership
    limits = []
    unified = next((line[3:] for line in (membership or "").splitlines() if line.startswith("0::")), None)
    if unified is not None and (root / "cgroup.controllers").exists():
        group = root / unified.strip().lstrip("/")
        for folder in (group, *group.parents):
            limits.append(quota_of(read_text(folder / "cpu.max")))
            if folder == root:
                break
    for mount in (root / "cpu", root / "cpu,cpuacct"):
        quota, period = read_text(mount / "cpu.cfs_quota_us"), read_text(mount / "cpu.cfs_period_us")
        if quota is not None and period is not None:
            limits.append(quota_of(None, (quota, period)))
    found = [limit for limit in limits if limit is not None and limit > 0]
    return min(found) if found else None


def usable_cpus() -> int:
    """CPUs this process may use: those it may run on, no more than its cgroup's quota allows
    (rounded up: a quota of 1.5 CPUs keeps two busy), one at least."""
    try:
        allowed = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        allowed = os.cpu_count() or 1
    limit = cgroup_cpu_limit()
    return max(1, min(allowed, math.ceil(limit)) if limit is not None else allowed)
