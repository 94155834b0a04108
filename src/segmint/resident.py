"""Resident memory: what a run's stage freed, handed back to the system before the next one."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def hand_back_freed_memory() -> None:
    """Give the system back the memory the stage just done freed but its allocators kept.

    pandas and NumPy arrays of a few MB (a column of a million accounts is 8 MB) and the
    values behind Python objects come from glibc's heap, which keeps their pages when they
    are freed between live ones. At 1M accounts 490 to 540 MB of it stayed resident, free,
    after the territories analysis, while the analyses after it ran DuckDB queries, whose
    allocator (jemalloc) cannot use glibc's pages: their peaks came on top of it. glibc's
    ``malloc_trim`` returns every whole free page (in a few milliseconds); Arrow's pool
    returns its unused memory too. No library wraps the one C call, so it is here; where the C
    library has no ``malloc_trim`` only Arrow's pool is asked.

    Examples
    --------
    >>> hand_back_freed_memory()  # nothing to see: resident memory is lower after
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    if "pyarrow" in sys.modules:  # a run has it loaded; nothing to hand back otherwise
        sys.modules["pyarrow"].default_memory_pool().release_unused()
