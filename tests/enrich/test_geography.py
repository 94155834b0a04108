"""Countries, regions and states: Python normalisers, alias tables, attach_geography on DuckDB."""

from __future__ import annotations

import ibis
import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint import engine
from segmint.enrich.geography import (
    REGIONS,
    attach_geography,
    country_aliases,
    country_code,
    normalise_key,
    normalise_key_py,
    region_by_country,
    region_of,
    state_aliases,
    state_code,
)

# (as typed in a CRM, ISO alpha-2 or None)
COUNTRIES = [
    ("USA", "US"), ("U.S.", "US"), ("U.S.A.", "US"), ("us of a", "US"),
    ("United States of America", "US"), ("  united states ", "US"), ("America", "US"),
    ("UK", "GB"), ("U.K.", "GB"), ("Great Britain", "GB"), ("England", "GB"), ("Scotland", "GB"),
    ("Wales", "GB"), ("Northern Ireland", "GB"), ("GBR", "GB"), ("Deutschland", "DE"), ("GER", "DE"), ("N.Z.", "NZ"), ("S. Africa", "ZA"),
    ("GERMANY", "DE"), ("Holland", "NL"), ("The Netherlands", "NL"), ("Netherlands, The", "NL"),
    ("South Korea", "KR"), ("Korea", "KR"), ("Republic of Korea", "KR"),
    ("Korea, Republic of", "KR"),
    ("North Korea", "KP"), ("Russia", "RU"), ("Russian Federation", "RU"), ("Россия", "RU"),
    ("Czech Republic", "CZ"), ("Czechia", "CZ"), ("Türkiye", "TR"), ("Turkey", "TR"),
    ("UAE", "AE"), ("Emirates", "AE"), ("Viet Nam", "VN"), ("Vietnam", "VN"),
    ("Ivory Coast", "CI"), ("Côte d’Ivoire", "CI"), ("Cote d'Ivoire", "CI"),
    ("Hong Kong SAR", "HK"), ("Macau", "MO"), ("Taiwan", "TW"), ("台灣", "TW"), ("Iran", "IR"),
    ("Bolivia", "BO"), ("Venezuela", "VE"), ("Tanzania", "TZ"), ("Syria", "SY"), ("Laos", "LA"),
    ("Moldova", "MD"), ("Brasil", "BR"), ("México", "MX"), ("Mexico", "MX"), ("España", "ES"),
    ("Österreich", "AT"), ("Schweiz", "CH"), ("Suisse", "CH"), ("Sverige", "SE"), ("Norge", "NO"),
    ("Danmark", "DK"), ("Suomi", "FI"), ("Polska", "PL"), ("Italia", "IT"), ("Nippon", "JP"),
    ("日本", "JP"), ("中国", "CN"), ("Éire", "IE"), ("Ireland", "IE"),
    ("fr", "FR"), ("CAN", "CA"),
    ("Canada", "CA"), ("Republic of Georgia", "GE"), ("GE", "GE"), ("DRC", "CD"),
    ("Kosovo", "XK"), ("Curaçao", "CW"), ("Åland Islands", "AX"),
    ("São Tomé and Príncipe", "ST"),
    # names in the languages pycountry ships translations of (European CRM exports)
    ("Albanien", "AL"), ("Argentinien", "AR"), ("Allemagne", "DE"), ("Alemania", "DE"),
    ("Paesi Bassi", "NL"), ("Stati Uniti", "US"), ("Verenigd Koninkrijk", "GB"),
    ("Zwitserland", "CH"), ("Estados Unidos", "US"), ("Royaume-Uni", "GB"), ("Tyskland", "DE"),
    ("Niemcy", "DE"), ("Saksa", "DE"),
    # junk and ambiguous values stay unknown
    ("N/A", None), ("NA", None), ("n.a.", None), ("unknown", None), ("-", None), ("Other", None),
    ("Europe", None), ("Asia", None), ("EMEA", None), ("Georgia", None), ("Congo", None),
    ("", None), ("   ", None), ("TBD", None), ("XX", None), (None, None),
]

# (state as typed, country ISO code, expected state code)
STATES = [
    ("California", "US", "CA"), ("Calif.", "US", "CA"), ("CA", "US", "CA"), ("ca", "US", "CA"),
    ("N.Y.", "US", "NY"), ("NY", "US", "NY"), ("New York", "US", "NY"),
    ("new york state", "US", "NY"), ("Mass.", "US", "MA"), ("Massachusetts", "US", "MA"),
    ("Penn.", "US", "PA"), ("Pa", "US", "PA"), ("Tex.", "US", "TX"), ("TEXAS", "US", "TX"),
    ("Fla.", "US", "FL"), ("Georgia", "US", "GA"), ("Ga.", "US", "GA"),
    ("Washington", "US", "WA"), ("Wash.", "US", "WA"), ("Washington, D.C.", "US", "DC"),
    ("D.C.", "US", "DC"), ("District of Columbia", "US", "DC"), ("W.Va.", "US", "WV"),
    ("Hawaiʻi", "US", "HI"), ("Puerto Rico", "US", "PR"), ("US-TX", "US", "TX"),
    ("Guam", "US", "GU"), ("Virgin Islands, U.S.", "US", "VI"), ("Ontario", "CA", "ON"),
    ("Ont.", "CA", "ON"), ("Québec", "CA", "QC"), ("Quebec", "CA", "QC"), ("PQ", "CA", "QC"),
    ("B.C.", "CA", "BC"), ("British Columbia", "CA", "BC"), ("Nfld.", "CA", "NL"),
    ("Newfoundland and Labrador", "CA", "NL"), ("P.E.I.", "CA", "PE"),
    ("Île-du-Prince-Édouard", "CA", "PE"), ("NWT", "CA", "NT"), ("Yukon", "CA", "YT"),
    # a province is not a state, and other countries have no state table
    ("Ontario", "US", None), ("California", "CA", None), ("Bavaria", "DE", None),
    ("NSW", "AU", None), ("Cali.fornia", "US", None), ("n/a", "US", None), ("", "US", None),
    (None, "US", None), ("TX", None, None),
]


@pytest.mark.parametrize(("text", "expected"), COUNTRIES)
def test_country_code(text, expected):
    assert country_code(text) == expected


@pytest.mark.parametrize(("text", "country", "expected"), STATES)
def test_state_code(text, country, expected):
    assert state_code(text, country) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("  U.S.A. ", "u s a"), ("Hong Kong (SAR)", "hong kong sar"),
        ("Côte d’Ivoire", "côte d ivoire"),
        ("Trinidad & Tobago", "trinidad tobago"), ("Food_&_Beverage", "food beverage"),
        ("A\u00a0/\tB", "a b"), ("ÖSTERREICH", "österreich"), ("İSTANBUL", "istanbul"),
        ("ΟΔΟΣ", "οδοσ"), ("- . -", None), ("", None), (None, None),
    ],
)
def test_normalise_key(text, key):
    assert normalise_key_py(text) == key


@pytest.fixture(scope="module")
def duck():
    return engine.connect("duckdb")


# Separators and the letters whose lowercase differs between Python and DuckDB, mixed into any text.
_TRICKY = st.sampled_from(list(".,-_()'’/& \t\n\r\f\v\u00a0\u2003\u3000İΣßÉé"))


_UTF8 = st.characters(codec="utf-8")  # what a CSV can hold: no lone surrogates


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.one_of(_TRICKY, _UTF8)), min_size=1, max_size=20))
def test_normalise_key_python_matches_duckdb(duck, texts):
    t = ibis.memtable({"text": texts}, schema={"text": "string"})
    in_engine = duck.to_pyarrow(t.select(key=normalise_key(t.text))).column("key").to_pylist()
    assert in_engine == [normalise_key_py(text) for text in texts]


def test_every_pycountry_country_has_a_region():
    regions = region_by_country()
    missing = [c.alpha_2 for c in pycountry.countries if c.alpha_2 not in regions]
    assert missing == []
    assert set(regions.values()) == set(REGIONS)
    assert len(regions) == len(pycountry.countries) + 1  # and Kosovo, XK


def test_every_alias_code_has_a_region():
    assert set(country_aliases().values()) <= set(region_by_country())


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("US", "North America"), ("CA", "North America"), ("PR", "North America"),
        ("GL", "North America"), ("BM", "North America"), ("PM", "North America"),
        ("MX", "LATAM"), ("BR", "LATAM"), ("PA", "LATAM"), ("JM", "LATAM"), ("CW", "LATAM"),
        ("GB", "EMEA"), ("DE", "EMEA"), ("AE", "EMEA"), ("ZA", "EMEA"), ("TR", "EMEA"),
        ("KZ", "EMEA"), ("IR", "EMEA"), ("XK", "EMEA"), ("JP", "APAC"), ("IN", "APAC"),
        ("AU", "APAC"), ("NZ", "APAC"), ("FJ", "APAC"), ("de", "EMEA"), ("ZZ", None), (None, None),
    ],
)
def test_region_of(code, region):
    assert region_of(code) == region


def test_alias_keys_are_normalised_and_free_of_junk():
    for key in [*country_aliases(), *(key for _, key in state_aliases())]:
        assert normalise_key_py(key) == key
    junk = {"georgia", "congo", "na", "n a", "unknown", "other", "europe"}
    assert junk.isdisjoint(country_aliases())


def test_alias_tables_have_unique_keys_in_the_engine(duck):
    from segmint.enrich.geography import _country_table, _state_table

    countries, states = _country_table(), _state_table()
    key = countries.columns[0]
    assert duck.execute(countries.count()) == len(country_aliases())
    assert duck.execute(countries[key].nunique()) == len(country_aliases())
    assert duck.execute(states.group_by(states.columns[:2]).agg(n=ibis._.count()).n.max()) == 1


def test_attach_geography_on_duckdb(duck):
    accounts = ibis.memtable(
        {
            "account_id": ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"],
            "country": [
                "U.S.A.", "usa", "Canada", "Deutschland", "Georgia", "N/A", None, "México",
            ],
            "state": ["Calif.", "Narnia", "Québec", "Bayern", "Georgia", "CA", "NY", "CDMX"],
            "arr": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0],
        }
    )
    out = attach_geography(accounts)
    assert out.columns == (
        "account_id", "country", "state", "arr", "country_raw", "region", "state_raw",
    )
    rows = duck.to_pyarrow(out.order_by("account_id")).to_pylist()
    assert [tuple(r.values()) for r in rows] == [
        ("a1", "US", "CA", 100.0, "U.S.A.", "North America", "Calif."),
        ("a2", "US", None, 200.0, "usa", "North America", "Narnia"),
        ("a3", "CA", "QC", 300.0, "Canada", "North America", "Québec"),
        ("a4", "DE", "Bayern", 400.0, "Deutschland", "EMEA", "Bayern"),
        ("a5", None, "Georgia", 500.0, "Georgia", None, "Georgia"),
        ("a6", None, "CA", 600.0, "N/A", None, "CA"),
        ("a7", None, "NY", 700.0, None, None, "NY"),
        ("a8", "MX", "CDMX", 800.0, "México", "LATAM", "CDMX"),
    ]


def test_attach_geography_agrees_with_country_code(duck):
    texts = [text for text, _ in COUNTRIES]
    accounts = ibis.memtable({"row": list(range(len(texts))), "country": texts},
                             schema={"row": "int64", "country": "string"})
    out = duck.to_pyarrow(attach_geography(accounts).order_by("row")).to_pylist()
    assert len(out) == len(texts)
    assert [r["country"] for r in out] == [expected for _, expected in COUNTRIES]
    assert [r["region"] for r in out] == [region_of(expected) for _, expected in COUNTRIES]


def test_attach_geography_states_agree_with_state_code(duck):
    accounts = ibis.memtable(
        {"row": list(range(len(STATES))), "country": [c for _, c, _ in STATES],
         "state": [s for s, _, _ in STATES]},
        schema={"row": "int64", "country": "string", "state": "string"},
    )
    out = duck.to_pyarrow(attach_geography(accounts).order_by("row")).to_pylist()
    for r, (text, country, expected) in zip(out, STATES, strict=True):
        assert r["state"] == (expected if country in ("US", "CA") else text)


def test_attach_geography_never_changes_the_row_count(duck):
    # Duplicates, unknowns and every alias of one country: a fan-out in the join would show here.
    texts = ["US", "USA", "United States", "us", None, "junk", "Georgia", "US"] * 50
    accounts = ibis.memtable({"country": texts, "state": ["GA", "Georgia", None, "x"] * 100})
    out = attach_geography(accounts)
    assert duck.execute(out.count()) == 400
    assert duck.execute((out.country == "US").sum()) == 250


def test_attach_geography_without_state_column_and_with_existing_region(duck):
    accounts = ibis.memtable({"region": ["Old West"], "country": ["Österreich"], "id": [1]})
    out = attach_geography(accounts)
    assert out.columns == ("country", "id", "country_raw", "region")
    assert duck.to_pyarrow(out).to_pylist() == [
        {"country": "AT", "id": 1, "country_raw": "Österreich", "region": "EMEA"}
    ]


def test_attach_geography_custom_column_names(duck):
    accounts = ibis.memtable({"billing_country": ["UK"], "billing_state": ["England"]})
    out = attach_geography(accounts, country="billing_country", state="billing_state")
    assert duck.to_pyarrow(out).to_pylist() == [
        {"billing_country": "GB", "billing_state": "England", "billing_country_raw": "UK",
         "region": "EMEA", "billing_state_raw": "England"}
    ]
