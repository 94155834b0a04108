"""Parent accounts: find each account's parent (by id, or by name) and its family (the top
ancestor), then fill what an account lacks from its ancestors: industry, country and,
optionally, size."""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.tables import NAICS_SECTOR, NAICS_SOURCE, PARENT_SOURCE, SECTOR_TITLE, SOURCE_SUFFIX
from segmint.enrich.names import company_name_first_word, normalise_company_name

OWN, PARENT = "own", "parent"  # values of the <group>_source columns

# How parent_id found its parent, in the parent_source column (null: no parent given).
BY_ID, BY_NAME, AMBIGUOUS, UNKNOWN = "id", "name", "ambiguous", "unknown"

# What can be inherited: group name -> (the column that says whether the account has it, the
# columns copied together). A group moves as a whole, so a NAICS code never arrives without its
# sector, nor a country without its region.
INHERITABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "industry": (t.NAICS, (t.NAICS, NAICS_SECTOR, SECTOR_TITLE, t.INDUSTRY)),
    "country": (t.COUNTRY, (t.COUNTRY, t.REGION)),
    "employees": (t.EMPLOYEES, (t.EMPLOYEES,)),
}


def resolve_parent_names(accounts: ir.Table) -> ir.Table:
    """Point parents given by name at their account's id, and say how each parent was found.

    Dynamics exports (and some Salesforce reports) give the parent account as its *name*
    ("Contoso Ltd"), not its id. A ``parent_id`` that is the id of an account is kept as it is.
    One that is no account's id but equals the normalised name (`normalise_company_name`:
    case, accents and legal form ignored) of exactly one other account is replaced by that
    account's id. A name several accounts share stays as written and is ``ambiguous``; text
    that matches no id and no name stays as written and is ``unknown``. An account is never
    its own parent by name. All in the engine: a semi-join on ids, a join on name keys.

    Parameters
    ----------
    accounts : ibis.Table
        Accounts with ``account_id``, ``parent_id`` and ``name``.

    Returns
    -------
    ibis.Table
        The accounts, with ``parent_id`` resolved where a name identifies one account, and
        ``parent_source``: 'id', 'name', 'ambiguous', 'unknown', or null when no parent is given.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["a1", "a2", "a3", "a4", "a5"],
    ...     "name": ["Contoso Ltd", "Fabrikam Inc", "Northwind", "Northwind", "Tailspin"],
    ...     "parent_id": [None, "CONTOSO, Ltd.", "a1", "Ghost Corp", "northwind"]})
    >>> out = resolve_parent_names(accounts).order_by("account_id").execute()
    >>> out[["account_id", "parent_id", "parent_source"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['a1', None, None], ['a2', 'a1', 'name'], ['a3', 'a1', 'id'],
     ['a4', 'Ghost Corp', 'unknown'], ['a5', 'northwind', 'ambiguous']]
    """
    if t.PARENT_ID not in accounts.columns:
        return accounts
    columns = [c for c in accounts.columns if c != PARENT_SOURCE]
    ids = accounts.select(_known_id=accounts[t.ACCOUNT_ID])
    flagged = accounts.mutate(_by_id=accounts[t.PARENT_ID].isin(ids._known_id).fill_null(False))
    parent, me = flagged[t.PARENT_ID], flagged[t.ACCOUNT_ID]
    if t.NAME in accounts.columns:
        # Only parents no id matches are looked up by name: each distinct text keyed once, and
        # only the names that can match one keyed (a cheap first word narrows them), since
        # keying every name costs seconds a million.
        values = flagged.filter(parent.notnull() & ~flagged._by_id)
        values = values.select(_parent=values[t.PARENT_ID]).distinct()
        values = values.mutate(_key=normalise_company_name(values._parent))
        values = values.mutate(_word=values._key.re_extract("^[^ ]+", 0))
        word = company_name_first_word(accounts[t.NAME])
        names = accounts.filter(accounts[t.NAME].notnull()
                                & (word.isnull() | word.isin(values._word).fill_null(False)))
        names = names.select(_candidate=names[t.ACCOUNT_ID],
                             _name_key=normalise_company_name(names[t.NAME]))
        keyed = values.join(names, values._key == names._name_key)
        # Per parent text: how many accounts bear that name, the first and the last. An account
        # is not its own parent, so one naming itself among two has one candidate: the other.
        candidates = keyed.group_by("_parent").aggregate(_n=keyed._candidate.nunique(),
                                                         _first=keyed._candidate.min(),
                                                         _last=keyed._candidate.max())
    else:
        candidates = ibis.memtable({"_parent": [], "_n": [], "_first": [], "_last": []}, schema={
            "_parent": parent.type(), "_n": "int64", "_first": me.type(), "_last": me.type()})
    joined = flagged.left_join(candidates, flagged[t.PARENT_ID] == candidates._parent)
    me = joined[t.ACCOUNT_ID]
    named_itself = (joined._n <= 2) & ((me == joined._first) | (me == joined._last))
    named_itself = named_itself.fill_null(False)
    others = joined._n.fill_null(0) - named_itself.cast("int64")
    by_name = ~joined._by_id & (others == 1)
    source = ibis.cases(
        (joined[t.PARENT_ID].isnull(), ibis.null("string")),
        (joined._by_id, BY_ID),
        (by_name, BY_NAME),
        (others > 1, AMBIGUOUS),
        else_=UNKNOWN,
    )
    other = ibis.ifelse(me == joined._first, joined._last, joined._first)
    resolved = ibis.ifelse(by_name, other.cast(joined[t.PARENT_ID].type()), joined[t.PARENT_ID])
    return joined.select(
        *[resolved.name(c) if c == t.PARENT_ID else joined[c] for c in columns],
        **{PARENT_SOURCE: source},
    )


def inherit_from_parents(
    accounts: ir.Table, groups: Iterable[str], *, max_depth: int = 8
) -> ir.Table:
    """Find each account's family (its top ancestor), and fill missing values from the
    nearest ancestor that has them, saying where each came from.

    Each account's parent is found by `resolve_parent_names` (a ``parent_id`` may be the parent's
    name). One walk up ``parent_id``, in the engine by one left join per level, up to
    `max_depth` levels, does both:

    - ``family_id``: the topmost account the walk reaches. An account without a parent is its
      own family, and so is one whose parent is not an account (an id or name not in the file):
      the family is the top *in the data*. When the walk reaches no top within `max_depth`
      levels (a cycle A → B → A, an account above one, or a longer chain), the family is the
      smallest ``account_id`` the walk met, the account's own included when the walk came back
      to it: every account of a cycle and those hanging from it share the cycle's smallest id
      (when it fits in `max_depth` levels), whatever order the rows come in.
    - For each group (``industry``: NAICS code, sector, sector title and industry text;
      ``country``: ISO country and region; ``employees``), an account whose own value is missing
      takes the value of its parent, else its grandparent, and so on. A cycle stops when the
      walk comes back to the account, or at `max_depth`. Values the account has are never
      replaced; the industry text is only filled when the account has none.

    Parameters
    ----------
    accounts : ibis.Table
        Enriched accounts (after `attach_geography` and `attach_industry`, so ``country`` is an
        ISO code and ``naics`` the best known code), with ``account_id`` and ``parent_id``.
    groups : iterable of str
        Keys of `INHERITABLE`; none to find families only.
    max_depth : int
        How many levels to walk up at most.

    Returns
    -------
    ibis.Table
        The accounts with the groups filled, a ``<group>_source`` column per group: 'own' (the
        account's value), 'parent' (inherited) or null (unknown), and ``family_id``. An
        inherited NAICS code has ``naics_source`` 'parent'. ``parent_id`` and
        ``parent_source`` are as `resolve_parent_names` leaves them. Without a ``parent_id``
        column, every account is its own family and nothing else changes.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["top", "mid", "leaf", "x", "y"],
    ...     "parent_id": [None, "top", "mid", "y", "x"],
    ...     "employees": [5000.0, None, None, None, None]})
    >>> out = inherit_from_parents(accounts, ["employees"]).order_by("account_id").execute()
    >>> out[["account_id", "employees", "employees_source", "family_id"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['leaf', 5000.0, 'parent', 'top'], ['mid', 5000.0, 'parent', 'top'],
     ['top', 5000.0, 'own', 'top'], ['x', nan, None, 'x'], ['y', nan, None, 'x']]
    """
    groups = list(dict.fromkeys(groups))
    unknown = [g for g in groups if g not in INHERITABLE]
    if unknown:
        raise ValueError(f"cannot inherit {unknown}; choose from {sorted(INHERITABLE)}")
    if t.PARENT_ID not in accounts.columns:
        return accounts.mutate(**{t.FAMILY_ID: accounts[t.ACCOUNT_ID]})
    accounts = resolve_parent_names(accounts)
    present = {g: (INHERITABLE[g][0], [c for c in INHERITABLE[g][1] if c in accounts.columns])
               for g in groups if INHERITABLE[g][0] in accounts.columns}
    copied = list(dict.fromkeys(c for _, columns in present.values() for c in columns))
    found = {c: f"_inh_{c}" for c in copied}
    # Only parents can be ancestors, and only accounts with a parent need the walk: usually a
    # few percent of each. The walk joins `max_depth` levels in one query, so its hash tables
    # are held together; over every account they outgrew a 1 GB memory limit.
    is_parent = accounts[t.ACCOUNT_ID].isin(
        accounts.filter(accounts[t.PARENT_ID].notnull()).select(_pid=accounts[t.PARENT_ID])._pid)
    parents = accounts.filter(is_parent)
    ancestors = parents.select(_anc_id=parents[t.ACCOUNT_ID], _anc_parent=parents[t.PARENT_ID],
                               **{f"_anc_{c}": parents[c] for c in copied})
    children = accounts.filter(accounts[t.PARENT_ID].notnull())
    walk = children.select(
        _self=children[t.ACCOUNT_ID], _cursor=children[t.PARENT_ID],
        _top=ibis.null("string"),  # the last account reached
        _low=ibis.null("string"),  # the smallest id reached
        _cycle=ibis.literal(False),  # the walk came back to the account
        **{found[c]: ibis.null(accounts[c].type()) for c in copied},
    )
    for _ in range(max_depth):
        level = ancestors.view()  # a self-join: each level is a fresh view of the accounts
        step = walk.left_join(level, [("_cursor", "_anc_id")])
        reached = step._anc_id.notnull()
        updates = {}
        for key, columns in present.values():
            take = step[found[key]].isnull() & step[f"_anc_{key}"].notnull()
            for c in columns:
                updates[found[c]] = ibis.ifelse(take, step[f"_anc_{c}"], step[found[c]])
        next_cursor = step._anc_parent
        back = (next_cursor == step._self).fill_null(False)
        lower = reached & (step._low.isnull() | (step._anc_id < step._low))
        walk = step.select(
            "_self",
            _cursor=ibis.ifelse(back, ibis.null("string"), next_cursor),
            _top=ibis.ifelse(reached, step._anc_id.cast("string"), step._top),
            _low=ibis.ifelse(lower, step._anc_id.cast("string"), step._low),
            _cycle=step._cycle | back,
            **updates,
        ).view()  # a view, so the next join starts a new chain rather than extending this one
    walk = walk.view()
    joined = accounts.left_join(walk, accounts[t.ACCOUNT_ID] == walk._self)
    me = joined[t.ACCOUNT_ID].cast("string")
    family = ibis.cases(
        (joined._self.isnull(), me),  # no parent
        (joined._cycle, ibis.ifelse(joined._low < me, joined._low, me)),
        (joined._cursor.notnull(), joined._low),  # stopped at max_depth
        else_=joined._top.fill_null(me),  # the top; itself when its parent is no account
    )
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
        *[replaced[c].name(c) if c in replaced else joined[c] for c in accounts.columns
          if c != t.FAMILY_ID],
        **sources,
        **{t.FAMILY_ID: family},
    )
