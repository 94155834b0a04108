"""Billing addresses for the demo's accounts: a city, postal code and coordinates near a metro."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.demo.metros import METROS, POSTAL_PATTERNS

__all__ = ["metro_groups", "place"]

_COUNTRY = np.array([m[0] for m in METROS])
_STATE = np.array([m[1] for m in METROS])
_CITY = pa.array([m[2] for m in METROS])
_CENTRE = np.array([(m[3], m[4]) for m in METROS])
_WEIGHT = np.array([m[5] for m in METROS])
_PREFIX = [m[6] for m in METROS]
_SPREAD_KM = np.array([m[7] for m in METROS])
_KM_PER_DEGREE = 111.2
_MAX_SPREADS = 3.0  # no account lies further than three spreads from its centre


def metro_groups(places: list[tuple[str, str]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each (ISO country, state or "") the metros there and their cumulative weights.

    A state with no metro of its own falls back on its country's metros; a country with none
    raises, since the demo only writes countries the table covers.
    """
    groups = []
    for country, state in places:
        at = np.flatnonzero((_COUNTRY == country) & (_STATE == state))
        if not len(at):
            at = np.flatnonzero(_COUNTRY == country)
        if not len(at):
            raise ValueError(f"no metro for country {country!r}")
        groups.append((at, np.cumsum(_WEIGHT[at]) / _WEIGHT[at].sum()))
    return groups


def place(rng: np.random.Generator, group: np.ndarray, groups, parent: np.ndarray,
          rows: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """Postal code, city, latitude and longitude for each written account row.

    Parameters
    ----------
    rng : numpy.random.Generator
        The geography's own stream (never the chunk's).
    group : numpy.ndarray
        Per company, its index into `groups` (its country and state).
    groups : list
        `metro_groups` of the places `group` indexes.
    parent : numpy.ndarray
        Per company, the row of its parent company, or -1.
    rows : numpy.ndarray
        Per written row, the company it is (duplicates repeat their company's address).

    Returns
    -------
    tuple of pyarrow.Array
        BillingPostalCode, BillingCity, BillingLatitude, BillingLongitude, one per row.

    Notes
    -----
    A company picks a metro of its country (and state) by the metro's weight; a subsidiary in
    its parent's country and state shares the parent's metro six times in ten. Its coordinates
    lie at an exponential distance (mean: the metro's spread) in a uniform direction from the
    centre, truncated at three spreads; its postal code is the metro's prefix and random characters
    in the country's shape.
    """
    n = len(group)
    u = rng.random(n)
    metro = np.empty(n, np.int64)
    for g in np.unique(group):
        at = np.flatnonzero(group == g)
        members, cumulative = groups[g]
        metro[at] = members[np.minimum(np.searchsorted(cumulative, u[at], side="right"),
                                       len(members) - 1)]
    kids = np.flatnonzero(parent >= 0)
    follow = kids[(group[kids] == group[parent[kids]]) & (rng.random(len(kids)) < 0.6)]
    metro[follow] = metro[parent[follow]]

    spread = _SPREAD_KM[metro]  # exponential distances, truncated at three spreads
    distance = -np.log1p(-rng.random(n) * (1 - np.exp(-_MAX_SPREADS))) * spread
    bearing = rng.uniform(0, 2 * np.pi, n)
    lat0, lon0 = _CENTRE[metro, 0], _CENTRE[metro, 1]
    lat = lat0 + distance * np.cos(bearing) / _KM_PER_DEGREE
    lon = lon0 + distance * np.sin(bearing) / (_KM_PER_DEGREE * np.cos(np.radians(lat0)))
    postal = _postal_codes(rng, metro)

    m = metro[rows]
    return (postal.take(pa.array(rows)), _CITY.take(pa.array(m)),
            pa.array(np.round(lat, 6)[rows]), pa.array(np.round(lon, 6)[rows]))


def _postal_codes(rng: np.random.Generator, metro: np.ndarray) -> pa.StringArray:
    """The metro's prefix, then random characters in its country's pattern (null: no codes)."""
    n = len(metro)
    kind, fixed, length = _POSTAL_KIND[metro], _POSTAL_FIXED[metro], _POSTAL_LENGTH[metro]
    digits = rng.integers(0, 10, (n, _POSTAL_WIDTH), dtype=np.uint8)
    letters = rng.integers(0, 26, (n, _POSTAL_WIDTH), dtype=np.uint8)
    chars = np.where(kind == 0, 48 + digits, np.where(kind == 1, 49 + digits % 9,
                                                      np.where(kind == 2, 65 + letters, fixed)))
    data = chars.astype(np.uint8)[np.arange(_POSTAL_WIDTH) < length[:, None]]
    offsets = np.r_[0, np.cumsum(length)].astype(np.int32)
    codes = pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()),
                                        pa.py_buffer(data.tobytes()))
    return pc.if_else(pa.array(length > 0), codes, pa.scalar(None, pa.string()))


def _postal_shapes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per metro and character: 0 a digit, 1 a digit 1-9, 2 a letter, 3 fixed (its byte)."""
    kind = np.full((len(METROS), _POSTAL_WIDTH), 3, np.uint8)
    fixed = np.zeros((len(METROS), _POSTAL_WIDTH), np.uint8)
    length = np.zeros(len(METROS), np.int64)
    for i, (country, *_, prefix, _spread) in enumerate(METROS):
        pattern = POSTAL_PATTERNS[country]
        code = prefix + pattern[len(prefix):] if pattern else ""
        length[i] = len(code)
        for j, ch in enumerate(code):
            if j >= len(prefix) and ch in "#%@":
                kind[i, j] = "#%@".index(ch)
            else:
                fixed[i, j] = ord(ch)
    return kind, fixed, length


_POSTAL_WIDTH = max(len(p) for p in POSTAL_PATTERNS.values())
_POSTAL_KIND, _POSTAL_FIXED, _POSTAL_LENGTH = _postal_shapes()
