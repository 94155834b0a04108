"""Reference data packaged with segmint (NAICS titles, SUSB firm counts), read with its types."""

from __future__ import annotations

from importlib import resources

import pandas as pd

PACKAGE_DATA = "segmint.data"  # each file beside a <name>.PROVENANCE.md saying where it is from


def read_reference(name: str, dtype: dict) -> pd.DataFrame:
    """A packaged CSV, blank cells read as missing and nothing else guessed.

    Examples
    --------
    >>> titles = read_reference("naics_titles.csv", {"naics": str, "title": str, "level": "int64"})
    >>> titles.loc[titles.naics == "52", "title"].item()
    'Finance and Insurance'
    """
    with (resources.files(PACKAGE_DATA) / name).open("rb") as handle:
        return pd.read_csv(handle, dtype=dtype, keep_default_na=False, na_values=[""])
