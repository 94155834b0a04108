"""The demo company's sales team as a Salesforce User export: the owners of its accounts."""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa

__all__ = ["DIVISIONS", "SCHEMA", "owners_table"]

SCHEMA = pa.schema([
    ("Id", pa.string()), ("FirstName", pa.string()), ("LastName", pa.string()),
    ("Name", pa.string()), ("Email", pa.string()), ("Title", pa.string()),
    ("UserRole.Name", pa.string()), ("Division", pa.string()), ("ManagerId", pa.string()),
    ("IsActive", pa.bool_()), ("CreatedDate", pa.date32()), ("Capacity_Hours__c", pa.int64()),
])
DIVISIONS = ("North America", "EMEA", "APAC", "LATAM")
_REPS_PER_DIVISION = (20, 12, 5, 3)  # of the 40 reps holding accounts
_DIVISION_CODE = ("NA", "EMEA", "APAC", "LATAM")
FULL_TIME_HOURS = 1200  # selling hours a year of a full-time account executive
_REDUCED_HOURS = 800  # a few reps also lead a team or work part time
_INACTIVE_REPS = 3  # left the company; their accounts are not reassigned yet
_NEW_HIRES = 2  # started in the last quarter, no accounts yet
EMAIL_DOMAIN = "segmint-demo.example"
_FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Christopher Karen Daniel Lisa Matthew Nancy Anthony
Sandra Mark Ashley Steven Emily Andrew Michelle Joshua Amanda Kevin Melissa Brian Stephanie
Priya Wei Hiroshi Sofia Lucas Camila Mateo Valentina Lukas Anna Pierre Chloé Oliver Amelia Noah
Aisha Omar Fatima Raj Ananya Diego Lucía Sven Ingrid""".split()
_LAST = """Anderson Brooks Carter Diaz Evans Foster Garcia Harris Ito Jensen Kim Lopez Martin
Nakamura Ortiz Patel Quinn Rossi Schmidt Tanaka Umar Vargas Walker Xu Young Zhang Becker Dubois
Fischer Gupta Hansen Iyer Jansen Kowalski Larsen Moreau Novak Okafor Petrov Richter Silva
Thompson Weber Yamamoto Bauer Costa Eriksson Fernandes Haddad Lindqvist Müller O'Connor Reyes
Sato Turner Wright""".split()


def owners_table(rng: np.random.Generator, rep_ids: pa.Array, book_weight: np.ndarray,
                 extra_ids: pa.Array, as_of_day: int) -> pa.Table:
    """The User export: the reps holding accounts, their regional directors and new hires.

    Parameters
    ----------
    rng : numpy.random.Generator
        The owners' own stream.
    rep_ids : pyarrow.Array
        Ids of the reps holding accounts (the accounts' OwnerIds), in id order.
    book_weight : numpy.ndarray
        Each rep's share of the accounts; reps with bigger books have been there longer.
    extra_ids : pyarrow.Array
        Ids for the users holding no account: one director per division, then new hires.
    as_of_day : int
        Days since 1970-01-01 of the as-of date; every user started before it.

    Returns
    -------
    pyarrow.Table
        One row per user, in `SCHEMA`; ``CreatedDate`` is when the user started, and
        ``Capacity_Hours__c`` the selling hours a year (blank for directors).
    """
    n_rep = len(rep_ids)
    n_dir = len(DIVISIONS)
    n = n_rep + n_dir + _NEW_HIRES
    assert len(extra_ids) == n_dir + _NEW_HIRES, "one id per director and new hire"
    assert sum(_REPS_PER_DIVISION) == n_rep, "every rep has a division"
    picks = rng.choice(len(_FIRST) * len(_LAST), n, replace=False)
    first = [_FIRST[i // len(_LAST)] for i in picks]
    last = [_LAST[i % len(_LAST)] for i in picks]

    division = np.r_[rng.permutation(np.repeat(np.arange(n_dir), _REPS_PER_DIVISION)),
                     np.arange(n_dir), rng.integers(0, n_dir, _NEW_HIRES)]
    # tenure grows with the book: the longest-serving reps were given the most accounts
    relative = book_weight / book_weight.mean()
    rep_years = np.clip(6.0 * relative * np.exp(0.35 * rng.standard_normal(n_rep)), 0.5, 14.0)
    years = np.r_[rep_years, rng.uniform(3, 9, n_dir), rng.uniform(14, 90, _NEW_HIRES) / 365.25]
    started = as_of_day - np.rint(years * 365.25).astype(np.int64)

    senior = np.r_[rep_years >= 5, np.zeros(n_dir + _NEW_HIRES, bool)]
    is_director = np.r_[np.zeros(n_rep, bool), np.ones(n_dir, bool), np.zeros(_NEW_HIRES, bool)]
    title = np.where(is_director, "Regional Sales Director",
                     np.where(senior, "Senior Account Executive", "Account Executive"))
    code = np.array(_DIVISION_CODE)[division]
    role = np.where(is_director, np.char.add("Sales Director - ", code),
                    np.char.add("Account Executive - ", code))
    active = np.ones(n, bool)
    active[rng.choice(n_rep, _INACTIVE_REPS, replace=False)] = False
    hours = np.full(n, FULL_TIME_HOURS)
    hours[rng.choice(n_rep, 3, replace=False)] = _REDUCED_HOURS

    ids = pa.concat_arrays([rep_ids, extra_ids])
    director_ids = extra_ids.slice(0, n_dir)
    manager = director_ids.take(pa.array(division, mask=is_director))
    emails = [f"{_ascii(f)}.{_ascii(s)}@{EMAIL_DOMAIN}" for f, s in zip(first, last)]
    return pa.table([
        ids, pa.array(first), pa.array(last), pa.array([f"{f} {s}" for f, s in zip(first, last)]),
        pa.array(emails), pa.array(title), pa.array(role), pa.array(DIVISIONS).take(division),
        manager, pa.array(active), pa.array(started.astype(np.int32), pa.date32()),
        pa.array(hours, mask=is_director),
    ], schema=SCHEMA)


def _ascii(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())
