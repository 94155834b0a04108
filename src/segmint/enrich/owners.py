"""Owners: which rep of the owners table holds each account, and whether that rep is active."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.enrich.parents import AMBIGUOUS, BY_ID, BY_NAME, UNKNOWN
from segmint.validate.parsers import parse_salesforce_id

# How an account's owner_id named its owner, in the owner_match column (null: no owner).
BY_EMAIL = "email"
OWNER_MATCH = "owner_match"
MATCHED_OWNER_ID = "matched_owner_id"  # the owners table's owner_id; null unless one matched
OWNER_ACTIVE = "owner_active"  # that owner's `active`; null when unknown


def link_owners(accounts: ir.Table, owners: ir.Table) -> ir.Table:
    """Find each account's owner in the owners table, by id, else email, else full name.

    CRMs name an account's owner differently by export: Salesforce's API and HubSpot's
    connectors give the owner's id (``OwnerId``, ``hubspot_owner_id``), report and UI exports
    the owner's name (``Account Owner``: "Jane Roe"; HubSpot's "Company owner") or email, and
    a HubSpot Users & Teams export has the user ID, not the owner ID records carry. So an
    ``owner_id`` is looked up as an owner's id (Salesforce ids of 15 and 18 characters
    compared in their 18-character form), then as an email (ignoring case), then as a full
    name (ignoring case and repeated spaces). An email or name several owners share is
    ``ambiguous``; a value matching nothing is ``unknown``. Nothing is rejected: the audit
    counts them. The owner values are matched once each, then joined back to the accounts.

    Parameters
    ----------
    accounts : ibis.Table
        With ``account_id`` and ``owner_id`` (after validation, which strips a display name's
        " (Deactivated User)").
    owners : ibis.Table
        The validated owners table: ``owner_id``, ``email``, ``name``, ``active``.

    Returns
    -------
    ibis.Table
        The accounts, with ``owner_match`` ('id', 'email', 'name', 'ambiguous', 'unknown'; null
        when the account has no owner), ``matched_owner_id`` (the owners table's id, when one
        owner matched) and ``owner_active`` (that owner's ``active``).

    Examples
    --------
    >>> owners = ibis.memtable({"owner_id": ["005A000000Xy1ZQIAZ", "77002", "77003", "77004"],
    ...     "name": ["Jane Roe", "Raj Patel", "Ana Ruiz", "Ana  ruiz"],
    ...     "email": ["jane@acme.com", "raj@acme.com", "ana@acme.com", "ana.r@acme.com"],
    ...     "active": [True, False, True, True]})
    >>> accounts = ibis.memtable({"account_id": ["a1", "a2", "a3", "a4", "a5", "a6"],
    ...     "owner_id": ["005A000000Xy1ZQ", "RAJ@acme.com", "raj patel", "Ana Ruiz", "Li Wei",
    ...                  None]})
    >>> out = link_owners(accounts, owners).order_by("account_id").to_pyarrow().to_pylist()
    >>> [(r["owner_match"], r["matched_owner_id"], r["owner_active"]) for r in out]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('id', '005A000000Xy1ZQIAZ', True), ('email', '77002', False), ('name', '77002', False),
     ('ambiguous', None, None), ('unknown', None, None), (None, None, None)]
    """
    held = accounts.filter(accounts[t.OWNER_ID].notnull())
    values = held.select(_owner=held[t.OWNER_ID]).distinct()
    values = values.mutate(_by_id=_id_key(values._owner), _by_email=_email_key(values._owner),
                           _by_name=_name_key(values._owner))
    keyed = {
        BY_ID: owners.select(_key=_id_key(owners[t.OWNER_ID]), _ref=owners[t.OWNER_ID],
                             _active=owners[t.ACTIVE]),
        BY_EMAIL: owners.select(_key=_email_key(owners[t.EMAIL]), _ref=owners[t.OWNER_ID],
                                _active=owners[t.ACTIVE]),
        BY_NAME: owners.select(_key=_name_key(owners[t.NAME]), _ref=owners[t.OWNER_ID],
                               _active=owners[t.ACTIVE]),
    }
    matched = values
    for way, table in keyed.items():
        table = table.filter(table._key.notnull())
        per_key = table.group_by("_key").aggregate(
            _n=table._ref.nunique(), _ref=table._ref.min(),
            _active=table._active.cast("int64").max())  # 1 or 0; null when not given
        per_key = per_key.rename({f"_{way}_{c[1:]}": c for c in ("_key", "_n", "_ref", "_active")})
        matched = matched.left_join(per_key, matched[f"_by_{way}"] == per_key[f"_{way}_key"])
        matched = matched.select(*[c for c in matched.columns if not c.endswith("_key")])
    one = {way: matched[f"_{way}_n"] == 1 for way in keyed}
    how = ibis.cases(
        (matched[f"_{BY_ID}_n"] >= 1, BY_ID),  # an owner's id: its key, so never shared
        (one[BY_EMAIL], BY_EMAIL),
        (matched[f"_{BY_EMAIL}_n"] > 1, AMBIGUOUS),
        (one[BY_NAME], BY_NAME),
        (matched[f"_{BY_NAME}_n"] > 1, AMBIGUOUS),
        else_=UNKNOWN,
    )
    matched = matched.mutate(_how=how)

    def of_the_match(column: str, null_type: str) -> ir.Value:
        return ibis.cases(*[(matched._how == way, matched[f"_{way}_{column}"]) for way in keyed],
                          else_=ibis.null(null_type))

    matched = matched.select(
        "_owner", "_how", _matched=of_the_match("ref", "string"),
        _is_active=ibis.cases((of_the_match("active", "int64") == 1, True),
                              (of_the_match("active", "int64") == 0, False),
                              else_=ibis.null("boolean")),
    )
    joined = accounts.left_join(matched, accounts[t.OWNER_ID] == matched._owner)
    drop = (OWNER_MATCH, MATCHED_OWNER_ID, OWNER_ACTIVE)
    return joined.select(
        *[c for c in accounts.columns if c not in drop],
        **{OWNER_MATCH: joined._how, MATCHED_OWNER_ID: joined._matched,
           OWNER_ACTIVE: joined._is_active},
    )


def _id_key(value: ir.Value) -> ir.StringValue:
    """An id as compared: Salesforce ids in their 18-character form, any other text as it is."""
    text = value.cast("string").strip()
    return parse_salesforce_id(text).value.fill_null(text)


def _email_key(value: ir.Value) -> ir.StringValue:
    text = value.cast("string").strip().lower()
    return ibis.ifelse(text.contains("@"), text, ibis.null("string"))


def _name_key(value: ir.Value) -> ir.StringValue:
    return value.cast("string").strip().lower().re_replace(r"\s+", " ").nullif("")
