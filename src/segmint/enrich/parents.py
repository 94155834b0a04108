"""Fill what an account lacks from its parent company: industry, country and, optionally, size."""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.enrich.industry import NAICS_SECTOR, NAICS_SOURCE, SECTOR_TITLE

OWN, PARENT = "own", "parent"  # values of the <group>_source columns
SOURCE_SUFFIX = "_source"

# What can be inherited: group name -> (the column that says whether the account has it, the
# columns copied together). A group moves as a whole, so a NAICS code never arrives without its
# sector, nor a country without its region.
INHERITABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "industry": (t.NAICS, (t.NAICS, NAICS_SECTOR, SECTOR_TITLE, t.INDUSTRY)),
    "country": (t.COUNTRY, (t.COUNTRY, t.REGION)),
    "employees": (t.EMPLOYEES, (t.EMPLOYEES,)),
}


def inherit_from_parents(
    accounts: ir.Table, groups: Iterable[str], *, max_depth: int = 8
) -> ir.Table:
    """Fill missing values from the nearest ancestor that has them, and say where each came from.

    For each group (``industry``: NAICS code, sector, sector title and industry text;
    ``country``: ISO country and region; ``employees``), an account whose own value is missing
    takes the value of its parent, else its grandparent, and so on up to `max_depth` levels, in
    the engine by one left join per level. A cycle in ``parent_id`` (A → B → A) stops when the
    walk comes back to the account, or at `max_depth`. Values the account has are never
    replaced; the industry text is only filled when the account has none.

    Parameters
    ----------
    accounts : ibis.Table
        Enriched accounts (after `attach_geography` and `attach_industry`, so ``country`` is an
        ISO code and ``naics`` the best known code), with ``account_id`` and ``parent_id``.
    groups : iterable of str
        Keys of `INHERITABLE`.
    max_depth : int
        How many levels to walk up at most.

    Returns
    -------
    ibis.Table
        The accounts with the groups filled, and a ``<group>_source`` column per group:
        'own' (the account's value), 'parent' (inherited) or null (unknown). An inherited NAICS
        code has ``naics_source`` 'parent'.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["top", "mid", "leaf"],
    ...     "parent_id": [None, "top", "mid"], "employees": [5000.0, None, None]})
    >>> out = inherit_from_parents(accounts, ["employees"]).order_by("account_id").execute()
    >>> out[["account_id", "employees", "employees_source"]].values.tolist()
    [['leaf', 5000.0, 'parent'], ['mid', 5000.0, 'parent'], ['top', 5000.0, 'own']]
    """
    groups = list(dict.fromkeys(groups))
    unknown = [g for g in groups if g not in INHERITABLE]
    if unknown:
        raise ValueError(f"cannot inherit {unknown}; choose from {sorted(INHERITABLE)}")
    if not groups or t.PARENT_ID not in accounts.columns:
        return accounts
    present = {g: (INHERITABLE[g][0], [c for c in INHERITABLE[g][1] if c in accounts.columns])
               for g in groups if INHERITABLE[g][0] in accounts.columns}
    copied = list(dict.fromkeys(c for _, columns in present.values() for c in columns))
    found = {c: f"_inh_{c}" for c in copied}
    ancestors = accounts.select(_anc_id=accounts[t.ACCOUNT_ID], _anc_parent=accounts[t.PARENT_ID],
                                **{f"_anc_{c}": accounts[c] for c in copied})
    walk = accounts.select(
        _self=accounts[t.ACCOUNT_ID], _cursor=accounts[t.PARENT_ID],
        **{found[c]: ibis.null(accounts[c].type()) for c in copied},
    )
    for _ in range(max_depth):
        level = ancestors.view()  # a self-join: each level is a fresh view of the accounts
        step = walk.left_join(level, [("_cursor", "_anc_id")])
        updates = {}
        for key, columns in present.values():
            take = step[found[key]].isnull() & step[f"_anc_{key}"].notnull()
            for c in columns:
                updates[found[c]] = ibis.ifelse(take, step[f"_anc_{c}"], step[found[c]])
        next_cursor = step._anc_parent
        walk = step.select(
            "_self",
            _cursor=ibis.ifelse(next_cursor == step._self, ibis.null("string"), next_cursor),
            **updates,
        ).view()  # a view, so the next join starts a new chain rather than extending this one
    walk = walk.view()
    joined = accounts.left_join(walk, accounts[t.ACCOUNT_ID] == walk._self)
    replaced: dict[str, ir.Value] = {}
    sources: dict[str, ir.Value] = {}
    for group, (key, columns) in present.items():
        own = joined[key].notnull()
        inherited = ~own & joined[found[key]].notnull()
        for c in columns:
            if c == t.INDUSTRY and group == "industry":
                replaced[c] = joined[c].fill_null(ibis.ifelse(inherited, joined[found[c]], None))
            else:
                replaced[c] = ibis.ifelse(inherited, joined[found[c]], joined[c])
        if group == "industry" and NAICS_SOURCE in accounts.columns:
            replaced[NAICS_SOURCE] = ibis.ifelse(inherited, PARENT, joined[NAICS_SOURCE])
        sources[group + SOURCE_SUFFIX] = ibis.cases((own, OWN), (inherited, PARENT)).cast("string")
    return joined.select(
        *[replaced[c].name(c) if c in replaced else joined[c] for c in accounts.columns],
        **sources,
    )
