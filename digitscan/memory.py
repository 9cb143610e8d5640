"""Reuse of freed page-sized buffers between pages (glibc's allocator, where there is one).

Every stage makes a few page-sized arrays (4 MB for an A4 page at 200 dpi). glibc hands blocks
that large out as fresh mappings and returns them to the system when freed, so each page
touches its memory anew: on 60 pages that cost 218,000 page faults and 9% of the reading time.
With the mapping threshold at its largest and freed memory kept, the next page reuses the last
page's blocks (62,000 faults). The process holds on to its largest page's working set (peak
RSS stays flat from 100 to 1,000 pages in benchmarks/run.py).

The setting is process-wide, so only processes digitscan owns make it: the command line's and
the reader workers. A program using the library may call `reuse_page_buffers` itself.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
LARGEST_HEAP_BLOCK = 32 * 2**20  # glibc's ceiling for M_MMAP_THRESHOLD on 64-bit systems
KEPT_FREE = 256 * 2**20  # freed memory kept for reuse before any is handed back


def reuse_page_buffers() -> bool:
    """Tell glibc to keep page-sized blocks for reuse; False where the C library is another."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt, nothing to tune
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, LARGEST_HEAP_BLOCK)) and bool(mallopt(M_TRIM_THRESHOLD, KEPT_FREE))
