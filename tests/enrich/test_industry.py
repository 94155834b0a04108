"""NAICS reference data, sectors, CRM industry picklists and attach_industry on DuckDB."""

from __future__ import annotations

import hashlib
from importlib import resources

import ibis
import pytest

from segmint import engine
from segmint.enrich import industry as ind
from segmint.enrich.industry import (
    UNMAPPED_INDUSTRIES,
    attach_industry,
    industry_aliases,
    naics_for_industry,
    naics_sector,
    naics_titles,
    sector_title,
    susb_us_naics_size,
)

DATA = resources.files("segmint.data")  # the packaged reference data, as installed


@pytest.fixture(scope="module")
def duck():
    return engine.connect("duckdb")


# --- packaged reference data, against the control values in its PROVENANCE.md ---------------


def test_naics_titles_control_values():
    titles = naics_titles()
    assert list(titles.columns) == ["naics", "title", "level"]
    assert len(titles) == 2125
    assert titles.level.value_counts().sort_index().to_dict() == {
        2: 20, 3: 96, 4: 308, 5: 689, 6: 1012,
    }
    by_code = titles.set_index("naics").title
    assert by_code["52"] == "Finance and Insurance"
    assert by_code["5415"] == "Computer Systems Design and Related Services"
    assert by_code["541511"] == "Custom Computer Programming Services"
    assert by_code["31-33"] == "Manufacturing"
    assert titles.naics.is_unique


def test_susb_control_values():
    susb = susb_us_naics_size()
    assert len(susb) == 532
    total = susb.set_index(["naics", "size_class"])
    assert total.loc[("--", "Total"), "firms"] == 6_395_635
    assert total.loc[("--", "Total"), "employment"] == 135_748_407
    assert total.loc[("52", "Total"), "firms"] == 244_536
    assert total.loc[("54", "Total"), "firms"] == 872_305
    sectors = susb[(susb.naics != "--") & (susb.size_class == "Total")]
    assert sectors.firms.sum() == 6_461_497
    assert set(sectors.naics) - {"99"} <= set(naics_titles().naics)


@pytest.mark.parametrize(
    ("name", "sha256"),
    [
        ("naics_titles.csv", "0a2434da98b4e3eaa841fd5af432eb4ae29ea058b8d05e6a3fb71c040305203f"),
        ("susb_us_naics_size.csv",
         "87ac4b63db6814f1e3b98c54d2f8668fa1c0de5311b67644d04125c1aad6a096"),
    ],
)
def test_packaged_files_are_unchanged_and_documented(name, sha256):
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == sha256
    provenance = (DATA / name.replace(".csv", ".PROVENANCE.md")).read_text(encoding="utf-8")
    assert sha256 in provenance
    assert "unchanged" in provenance.splitlines()[-1]


# --- sectors ---------------------------------------------------------------------------------

NAICS_CODES = [
    ("11", "11"), ("111110", "11"), ("21", "21"), ("211120", "21"), ("22", "22"), ("2211", "22"),
    ("23", "23"), ("236220", "23"), ("31", "31-33"), ("311", "31-33"), ("32", "31-33"),
    ("325412", "31-33"), ("33", "31-33"), ("334111", "31-33"), ("42", "42"), ("423430", "42"),
    ("44", "44-45"), ("445110", "44-45"), ("45", "44-45"), ("455110", "44-45"), ("48", "48-49"),
    ("481111", "48-49"), ("49", "48-49"), ("492110", "48-49"), ("51", "51"), ("513210", "51"),
    ("518210", "51"), ("52", "52"), ("522110", "52"), ("5221", "52"), ("53", "53"),
    ("541511", "54"), ("5415", "54"), ("54151", "54"), (" 541511 ", "54"), ("5415 11", "54"),
    ("55", "55"), ("56", "56"), ("61", "61"), ("611310", "61"), ("62", "62"), ("622110", "62"),
    ("71", "71"), ("72", "72"), ("722511", "72"), ("81", "81"), ("92", "92"), ("921110", "92"),
    ("31-33", "31-33"), ("44-45", "44-45"), ("48-49", "48-49"),
    # unknown sectors, wrong lengths and anything but digits
    ("99", None), ("999999", None), ("00", None), ("12", None), ("1", None), ("5", None),
    ("5415111", None), ("54-1511", None), ("5415.11", None), ("541511.0", None),
    ("NAICS 5415", None), ("５４１５", None), ("", None), ("  ", None), (None, None),
]


@pytest.mark.parametrize(("code", "sector"), NAICS_CODES)
def test_naics_sector(code, sector):
    assert naics_sector(code) == sector


@pytest.mark.parametrize(
    ("sector", "title"),
    [
        ("11", "Agriculture, Forestry, Fishing and Hunting"), ("52", "Finance and Insurance"),
        ("54", "Professional, Scientific, and Technical Services"), ("31-33", "Manufacturing"),
        ("44-45", "Retail Trade"), ("48-49", "Transportation and Warehousing"),
        ("92", "Public Administration"), ("31", None), ("5415", None), ("99", None), (None, None),
    ],
)
def test_sector_title(sector, title):
    assert sector_title(sector) == title


# --- CRM industry values ---------------------------------------------------------------------

INDUSTRIES = [
    # Salesforce Account.Industry picklist
    ("Agriculture", "11"), ("Apparel", "315"), ("Banking", "5221"), ("Biotechnology", "5417"),
    ("Chemicals", "325"), ("Communications", "51"), ("Construction", "23"),
    ("Consulting", "5416"), ("Education", "61"), ("Electronics", "334"), ("Energy", "21"),
    ("Engineering", "5413"), ("Entertainment", "71"), ("Environmental", "562"),
    ("Finance", "52"), ("Food & Beverage", "311"), ("Government", "92"), ("Healthcare", "62"),
    ("Hospitality", "72"), ("Insurance", "524"), ("Machinery", "333"),
    ("Manufacturing", "31-33"), ("Media", "51"), ("Not For Profit", "813"),
    ("Recreation", "713"), ("Retail", "44-45"), ("Shipping", "48-49"), ("Technology", "51"),
    ("Telecommunications", "517"), ("Transportation", "48-49"), ("Utilities", "22"),
    # HubSpot internal values and labels
    ("COMPUTER_SOFTWARE", "5132"), ("Computer Software", "5132"),
    ("FINANCIAL_SERVICES", "52"), ("Financial Services", "52"),
    ("HOSPITAL_HEALTH_CARE", "62"), ("Hospital & Health Care", "62"),
    ("INFORMATION_TECHNOLOGY_AND_SERVICES", "5415"),
    ("Information Technology and Services", "5415"),
    ("Airlines/Aviation", "481"), ("Oil & Energy", "211"),
    ("Venture Capital & Private Equity", "5239"),
    ("Glass, Ceramics & Concrete", "327"), ("Health, Wellness and Fitness", "71394"),
    ("E-Learning", "61"), ("Non-Profit Organization Management", "813"),
    ("Transportation/Trucking/Railroad", "48-49"), ("Law Practice", "54111"),
    ("Nanotechnology", "541713"), ("Semiconductors", "3344"), ("Restaurants", "7225"),
    # free text
    ("  banking ", "5221"), ("FOOD AND BEVERAGE", None), ("food_&_beverage", "311"),
    ("SaaS", "5132"), ("IT Services", "5415"), ("non-profit", "813"), ("Nonprofit", "813"),
    ("Health Care", "62"), ("Telecom", "517"),
    # junk and values with no honest single code
    ("Other", None), ("other", None), ("", None), ("-", None), ("N/A", None), ("unknown", None),
    ("Arts and Crafts", None), ("PROGRAM_DEVELOPMENT", None), ("Public Policy", None),
    ("Banque", None), (None, None),
]


@pytest.mark.parametrize(("text", "code"), INDUSTRIES)
def test_naics_for_industry(text, code):
    assert naics_for_industry(text) == code


SALESFORCE_PICKLIST = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit", "Other",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities",
)


def test_salesforce_picklist_is_covered_except_other():
    unmapped = [v for v in SALESFORCE_PICKLIST if naics_for_industry(v) is None]
    assert unmapped == ["Other"]


def test_hubspot_values_and_labels_agree():
    assert len(ind._HUBSPOT) >= 60
    for enum, label, code in ind._HUBSPOT:
        assert naics_for_industry(enum) == naics_for_industry(label) == code, label
    for value in UNMAPPED_INDUSTRIES:
        assert naics_for_industry(value) is None, value


def test_every_mapped_code_is_a_packaged_naics_code():
    published = set(naics_titles().naics)
    assert set(industry_aliases().values()) <= published
    assert all(naics_sector(code) for code in industry_aliases().values())


def test_industry_alias_keys_are_normalised_and_unique(duck):
    assert all(ind.normalise_key_py(key) == key for key in industry_aliases())
    aliases, codes = ind._alias_table(), ind._code_table()
    assert duck.execute(aliases[aliases.columns[0]].nunique()) == len(industry_aliases())
    assert duck.execute(codes[codes.columns[0]].nunique()) == duck.execute(codes.count())


# --- in the engine ---------------------------------------------------------------------------


def test_attach_industry_on_duckdb(duck):
    accounts = ibis.memtable(
        {
            "account_id": ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"],
            "industry": ["Banking", "Banking", "COMPUTER_SOFTWARE", "Other", None, "Retail",
                         "Hospital & Health Care", "junk", "Technology"],
            "naics": ["541511", "99", None, " 3254 ", "54-1511", "45", "", "31-33", "5415119"],
        }
    )
    out = attach_industry(accounts)
    assert out.columns == (
        "account_id", "industry", "naics", "naics_raw", "naics_source", "naics_sector",
        "sector_title",
    )
    rows = [tuple(r.values())[2:] for r in duck.to_pyarrow(out.order_by("account_id")).to_pylist()]
    assert rows == [
        ("541511", "541511", "naics", "54", "Professional, Scientific, and Technical Services"),
        ("5221", "99", "industry", "52", "Finance and Insurance"),
        ("5132", None, "industry", "51", "Information"),
        ("3254", " 3254 ", "naics", "31-33", "Manufacturing"),
        (None, "54-1511", None, None, None),
        ("45", "45", "naics", "44-45", "Retail Trade"),
        ("62", "", "industry", "62", "Health Care and Social Assistance"),
        ("31-33", "31-33", "naics", "31-33", "Manufacturing"),
        ("51", "5415119", "industry", "51", "Information"),
    ]


def test_attach_industry_agrees_with_python(duck):
    texts = [text for text, _ in INDUSTRIES]
    accounts = ibis.memtable({"row": list(range(len(texts))), "industry": texts},
                             schema={"row": "int64", "industry": "string"})
    out = duck.to_pyarrow(attach_industry(accounts).order_by("row")).to_pylist()
    assert [r["naics"] for r in out] == [code for _, code in INDUSTRIES]
    assert [r["naics_sector"] for r in out] == [naics_sector(code) for _, code in INDUSTRIES]
    assert out[-1]["naics_raw"] is None  # no naics column: added at the end, all null
    assert list(out[0]) == ["row", "industry", "naics", "naics_raw", "naics_source",
                            "naics_sector", "sector_title"]


def test_attach_industry_own_codes_agree_with_naics_sector(duck):
    codes = [code for code, _ in NAICS_CODES]
    accounts = ibis.memtable({"row": list(range(len(codes))), "naics": codes},
                             schema={"row": "int64", "naics": "string"})
    out = duck.to_pyarrow(attach_industry(accounts).order_by("row")).to_pylist()
    for r, (code, sector) in zip(out, NAICS_CODES, strict=True):  # all codes with a sector are real
        assert r["naics_sector"] == sector, code
        assert r["naics_source"] == ("naics" if sector else None), code


def test_attach_industry_refuses_unpublished_codes_that_naics_sector_accepts(duck):
    # 549999 and 52999 are not NAICS codes: naics_sector reads the prefix, attach_industry checks
    # the whole code and falls back to the industry text.
    assert naics_sector("549999") == "54"
    accounts = ibis.memtable({"naics": ["549999", "52999"], "industry": ["Banking", None]})
    out = duck.to_pyarrow(attach_industry(accounts)).to_pylist()
    assert [(r["naics"], r["naics_source"]) for r in out] == [("5221", "industry"), (None, None)]


def test_attach_industry_integer_naics_column(duck):
    accounts = ibis.memtable({"naics": [541511, 99, None]}, schema={"naics": "int64"})
    out = duck.to_pyarrow(attach_industry(accounts)).to_pylist()
    assert [(r["naics"], r["naics_sector"]) for r in out] == [("541511", "54"), (None, None),
                                                              (None, None)]


def test_attach_industry_never_changes_the_row_count(duck):
    accounts = ibis.memtable(
        {"industry": ["Banking", "banking", "BANKING", None, "Other"] * 40,
         "naics": ["5221", "52", None, "31", "x"] * 40}
    )
    out = attach_industry(accounts)
    assert duck.execute(out.count()) == 200
    # per 5 rows: 5221, 52 and 31 are real codes; BANKING maps; Other with "x" stays unknown
    counts = out.group_by("naics_source").agg(n=ibis._.count()).order_by("naics_source")
    assert duck.execute(counts).values.tolist() == [["industry", 40], ["naics", 120], [None, 40]]
