"""NAICS titles and sectors, and CRM industry values mapped to NAICS, in Python and the engine."""

from __future__ import annotations

import functools
import re

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint.enrich.geography import RAW_SUFFIX, normalise_key, normalise_key_py
from segmint.io.reference import read_reference
from segmint.tables import INDUSTRY, NAICS, NAICS_SECTOR, NAICS_SOURCE, SECTOR_TITLE
from segmint.text_classes import WHITESPACE

FROM_NAICS, FROM_INDUSTRY = "naics", "industry"  # values of naics_source

# NAICS publishes three sectors as ranges; their 2-digit parts never appear on their own.
_SECTOR_RANGES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45",
                  "48": "48-49", "49": "48-49"}
_WHITESPACE_RUN = f"[{WHITESPACE}]+"  # spelt out: `\s` differs between RE2, Java and Python
_WHITESPACE_RUN_RE = re.compile(_WHITESPACE_RUN)


@functools.cache
def _naics_frame() -> pd.DataFrame:
    return read_reference("naics_titles.csv", {"naics": str, "title": str, "level": "int64"})


@functools.cache
def _susb_frame() -> pd.DataFrame:
    dtype = {"naics": str, "naics_description": str, "size_class": str, "entrsize_code": str,
             "employment_noise_flag": str, "size_min_employees": "Int64",
             "size_max_employees": "Int64"}  # blank for open-ended classes
    return read_reference("susb_us_naics_size.csv", dtype)


def naics_titles() -> pd.DataFrame:
    """The NAICS 2022 codes and titles packaged with segmint (see ``naics_titles.PROVENANCE.md``).

    Returns
    -------
    pandas.DataFrame
        ``naics`` (text; the sectors 31-33, 44-45 and 48-49 as published), ``title``, ``level``
        (number of digits, 2 for the ranges), in Census order: 2,125 rows.

    Examples
    --------
    >>> titles = naics_titles()
    >>> len(titles), titles.set_index("naics").title["541511"]
    (2125, 'Custom Computer Programming Services')
    """
    return _naics_frame().copy()


def susb_us_naics_size() -> pd.DataFrame:
    """US employer firms, employment and payroll by NAICS sector and firm size (SUSB 2022).

    Packaged with segmint; see ``susb_us_naics_size.PROVENANCE.md`` for columns and caveats.
    ``naics`` is the sector as published ("52", "31-33"; "--" for all sectors). Sum only rows
    with ``is_subtotal == 0`` to avoid double counting.

    Examples
    --------
    >>> susb = susb_us_naics_size()
    >>> total = susb[(susb.naics == "--") & (susb.size_class == "Total")]
    >>> len(susb), int(total.firms.iloc[0])
    (532, 6395635)
    """
    return _susb_frame().copy()


@functools.cache
def _titles() -> dict[str, str]:
    frame = _naics_frame()
    return dict(zip(frame["naics"], frame["title"], strict=True))


@functools.cache
def _valid_codes() -> frozenset[str]:
    """Every published code, plus every 2- to 6-digit prefix of one (so "31", "45" count)."""
    codes = set(_titles())
    for code in _titles():
        if code.isdigit():
            codes.update(code[:n] for n in range(2, len(code)))
    return frozenset(codes)


def _clean_code(code: str | None) -> str | None:
    if code is None:
        return None
    return _WHITESPACE_RUN_RE.sub("", code) or None


def _sector_of(code: str) -> str:
    return _SECTOR_RANGES.get(code[:2], code[:2])


def naics_sector(code: str | None) -> str | None:
    """The 2-digit NAICS sector, as published, of any code of 2 to 6 digits.

    Whitespace is removed first; anything else that is not a digit makes the code unknown.

    Examples
    --------
    >>> [naics_sector(c) for c in ["541511", " 5415 ", "311", "45", "31-33", "99", "54-1511"]]
    ['54', '54', '31-33', '44-45', '31-33', None, None]
    """
    code = _clean_code(code)
    if code in _SECTOR_RANGES.values():
        return code
    if code is None or not code.isdigit() or not 2 <= len(code) <= 6:
        return None
    sector = _sector_of(code)
    return sector if sector in _titles() else None


def sector_title(sector: str | None) -> str | None:
    """Title of a NAICS sector code as published ("52", "31-33"); None for anything else.

    Examples
    --------
    >>> sector_title("52"), sector_title("31-33"), sector_title("31")
    ('Finance and Insurance', 'Manufacturing', None)
    """
    if sector is None or not (len(sector) == 2 or sector in _SECTOR_RANGES.values()):
        return None
    return _titles().get(sector)


# --- CRM industry picklists -> NAICS ---------------------------------------------------------

# Hand-written: no published crosswalk exists from CRM picklists to NAICS. Each value gets the
# most specific code that is true of most accounts carrying it, at 2 to 4 digits (5 or 6 only
# where the picklist value names exactly one industry). A sector code may be a published range.
# Choices worth knowing:
# - "Technology" -> 51 (Information). Software and IT are split between 5132 Software Publishers,
#   5182 Computing Infrastructure/Hosting (both in 51) and 5415 Computer Systems Design (in 54);
#   a single "Technology" pick is mostly software and platforms, so the honest common level is
#   the Information sector. "Information Technology and Services" (HubSpot) -> 5415.
# - "Communications" and "Media" -> 51; "Telecommunications" -> 517.
# - "Energy" -> 21 (Salesforce lists Utilities apart, so Energy is extraction: oil, gas, coal).
# - "Manufacturing", "Retail", "Transportation", "Shipping" -> the published sector ranges.
# - "Not For Profit" -> 813 (membership, civic and giving organisations); a non-profit hospital
#   or university should carry its own NAICS code.
# - "Food & Beverage" -> 311 (food makers; restaurants are "Hospitality" -> 72).
# - "Other", blanks and values with no honest single home map to nothing (null), never a guess.
_SALESFORCE: dict[str, str] = {
    "Agriculture": "11", "Apparel": "315", "Banking": "5221", "Biotechnology": "5417",
    "Chemicals": "325", "Communications": "51", "Construction": "23", "Consulting": "5416",
    "Education": "61", "Electronics": "334", "Energy": "21", "Engineering": "5413",
    "Entertainment": "71", "Environmental": "562", "Finance": "52", "Food & Beverage": "311",
    "Government": "92", "Healthcare": "62", "Hospitality": "72", "Insurance": "524",
    "Machinery": "333", "Manufacturing": "31-33", "Media": "51", "Not For Profit": "813",
    "Recreation": "713", "Retail": "44-45", "Shipping": "48-49", "Technology": "51",
    "Telecommunications": "517", "Transportation": "48-49", "Utilities": "22",
}  # "Other" is left out on purpose

# HubSpot's default `industry` property: internal value and label, both seen in exports.
_HUBSPOT: tuple[tuple[str, str, str], ...] = (
    ("ACCOUNTING", "Accounting", "5412"),
    ("AIRLINES_AVIATION", "Airlines/Aviation", "481"),
    ("ALTERNATIVE_DISPUTE_RESOLUTION", "Alternative Dispute Resolution", "5411"),
    ("ALTERNATIVE_MEDICINE", "Alternative Medicine", "6213"),
    ("ANIMATION", "Animation", "5121"),
    ("APPAREL_FASHION", "Apparel & Fashion", "315"),
    ("ARCHITECTURE_PLANNING", "Architecture & Planning", "5413"),
    ("AUTOMOTIVE", "Automotive", "336"),
    ("AVIATION_AEROSPACE", "Aviation & Aerospace", "3364"),
    ("BANKING", "Banking", "5221"),
    ("BIOTECHNOLOGY", "Biotechnology", "5417"),
    ("BROADCAST_MEDIA", "Broadcast Media", "516"),
    ("BUILDING_MATERIALS", "Building Materials", "327"),
    ("BUSINESS_SUPPLIES_AND_EQUIPMENT", "Business Supplies and Equipment", "4234"),
    ("CAPITAL_MARKETS", "Capital Markets", "523"),
    ("CHEMICALS", "Chemicals", "325"),
    ("CIVIC_SOCIAL_ORGANIZATION", "Civic & Social Organization", "8134"),
    ("CIVIL_ENGINEERING", "Civil Engineering", "237"),
    ("COMMERCIAL_REAL_ESTATE", "Commercial Real Estate", "531"),
    ("COMPUTER_NETWORK_SECURITY", "Computer & Network Security", "5415"),
    ("COMPUTER_GAMES", "Computer Games", "5132"),
    ("COMPUTER_HARDWARE", "Computer Hardware", "3341"),
    ("COMPUTER_NETWORKING", "Computer Networking", "3342"),
    ("COMPUTER_SOFTWARE", "Computer Software", "5132"),
    ("CONSTRUCTION", "Construction", "23"),
    ("CONSUMER_ELECTRONICS", "Consumer Electronics", "334"),
    ("CONSUMER_GOODS", "Consumer Goods", "31-33"),
    ("CONSUMER_SERVICES", "Consumer Services", "812"),
    ("COSMETICS", "Cosmetics", "3256"),
    ("DAIRY", "Dairy", "3115"),
    ("DEFENSE_SPACE", "Defense & Space", "3364"),
    ("DESIGN", "Design", "5414"),
    ("E_LEARNING", "E-Learning", "61"),
    ("EDUCATION_MANAGEMENT", "Education Management", "61"),
    ("ELECTRICAL_ELECTRONIC_MANUFACTURING", "Electrical/Electronic Manufacturing", "334"),
    ("ENTERTAINMENT", "Entertainment", "71"),
    ("ENVIRONMENTAL_SERVICES", "Environmental Services", "562"),
    ("EVENTS_SERVICES", "Events Services", "5619"),
    ("EXECUTIVE_OFFICE", "Executive Office", "9211"),
    ("FACILITIES_SERVICES", "Facilities Services", "5612"),
    ("FARMING", "Farming", "111"),
    ("FINANCIAL_SERVICES", "Financial Services", "52"),
    ("FINE_ART", "Fine Art", "7115"),
    ("FISHERY", "Fishery", "1141"),
    ("FOOD_BEVERAGES", "Food & Beverages", "311"),
    ("FOOD_PRODUCTION", "Food Production", "311"),
    ("FUND_RAISING", "Fund-Raising", "8132"),
    ("FURNITURE", "Furniture", "337"),
    ("GAMBLING_CASINOS", "Gambling & Casinos", "7132"),
    ("GLASS_CERAMICS_CONCRETE", "Glass, Ceramics & Concrete", "327"),
    ("GOVERNMENT_ADMINISTRATION", "Government Administration", "92"),
    ("GOVERNMENT_RELATIONS", "Government Relations", "5418"),
    ("GRAPHIC_DESIGN", "Graphic Design", "54143"),
    ("HEALTH_WELLNESS_AND_FITNESS", "Health, Wellness and Fitness", "71394"),
    ("HIGHER_EDUCATION", "Higher Education", "6113"),
    ("HOSPITAL_HEALTH_CARE", "Hospital & Health Care", "62"),
    ("HOSPITALITY", "Hospitality", "72"),
    ("HUMAN_RESOURCES", "Human Resources", "5416"),
    ("IMPORT_AND_EXPORT", "Import and Export", "42"),
    ("INDIVIDUAL_FAMILY_SERVICES", "Individual & Family Services", "6241"),
    ("INDUSTRIAL_AUTOMATION", "Industrial Automation", "333"),
    ("INFORMATION_SERVICES", "Information Services", "519"),
    ("INFORMATION_TECHNOLOGY_AND_SERVICES", "Information Technology and Services", "5415"),
    ("INSURANCE", "Insurance", "524"),
    ("INTERNATIONAL_AFFAIRS", "International Affairs", "928"),
    ("INTERNET", "Internet", "51"),
    ("INVESTMENT_BANKING", "Investment Banking", "5231"),
    ("INVESTMENT_MANAGEMENT", "Investment Management", "5239"),
    ("JUDICIARY", "Judiciary", "92211"),
    ("LAW_ENFORCEMENT", "Law Enforcement", "92212"),
    ("LAW_PRACTICE", "Law Practice", "54111"),
    ("LEGAL_SERVICES", "Legal Services", "5411"),
    ("LEGISLATIVE_OFFICE", "Legislative Office", "92112"),
    ("LEISURE_TRAVEL_TOURISM", "Leisure, Travel & Tourism", "5615"),
    ("LIBRARIES", "Libraries", "51921"),
    ("LOGISTICS_AND_SUPPLY_CHAIN", "Logistics and Supply Chain", "48-49"),
    ("LUXURY_GOODS_JEWELRY", "Luxury Goods & Jewelry", "33991"),
    ("MACHINERY", "Machinery", "333"),
    ("MANAGEMENT_CONSULTING", "Management Consulting", "54161"),
    ("MARITIME", "Maritime", "483"),
    ("MARKET_RESEARCH", "Market Research", "54191"),
    ("MARKETING_AND_ADVERTISING", "Marketing and Advertising", "5418"),
    ("MECHANICAL_OR_INDUSTRIAL_ENGINEERING", "Mechanical or Industrial Engineering", "54133"),
    ("MEDIA_PRODUCTION", "Media Production", "512"),
    ("MEDICAL_DEVICES", "Medical Devices", "3391"),
    ("MEDICAL_PRACTICE", "Medical Practice", "6211"),
    ("MENTAL_HEALTH_CARE", "Mental Health Care", "62"),
    ("MILITARY", "Military", "92811"),
    ("MINING_METALS", "Mining & Metals", "212"),
    ("MOBILE_GAMES", "Mobile Games", "5132"),
    ("MOTION_PICTURES_AND_FILM", "Motion Pictures and Film", "5121"),
    ("MUSEUMS_AND_INSTITUTIONS", "Museums and Institutions", "712"),
    ("MUSIC", "Music", "5122"),
    ("NANOTECHNOLOGY", "Nanotechnology", "541713"),
    ("NEWSPAPERS", "Newspapers", "51311"),
    ("NON_PROFIT_ORGANIZATION_MANAGEMENT", "Non-Profit Organization Management", "813"),
    ("OIL_ENERGY", "Oil & Energy", "211"),
    ("ONLINE_MEDIA", "Online Media", "516"),
    ("OUTSOURCING_OFFSHORING", "Outsourcing/Offshoring", "561"),
    ("PACKAGE_FREIGHT_DELIVERY", "Package/Freight Delivery", "492"),
    ("PAPER_FOREST_PRODUCTS", "Paper & Forest Products", "322"),
    ("PERFORMING_ARTS", "Performing Arts", "7111"),
    ("PHARMACEUTICALS", "Pharmaceuticals", "3254"),
    ("PHILANTHROPY", "Philanthropy", "8132"),
    ("PHOTOGRAPHY", "Photography", "54192"),
    ("PLASTICS", "Plastics", "3261"),
    ("POLITICAL_ORGANIZATION", "Political Organization", "81394"),
    ("PRIMARY_SECONDARY_EDUCATION", "Primary/Secondary Education", "6111"),
    ("PRINTING", "Printing", "323"),
    ("PROFESSIONAL_TRAINING_COACHING", "Professional Training & Coaching", "61143"),
    ("PUBLIC_RELATIONS_AND_COMMUNICATIONS", "Public Relations and Communications", "54182"),
    ("PUBLIC_SAFETY", "Public Safety", "9221"),
    ("PUBLISHING", "Publishing", "513"),
    ("RAILROAD_MANUFACTURE", "Railroad Manufacture", "3365"),
    ("RANCHING", "Ranching", "112"),
    ("REAL_ESTATE", "Real Estate", "531"),
    ("RECREATIONAL_FACILITIES_AND_SERVICES", "Recreational Facilities and Services", "713"),
    ("RELIGIOUS_INSTITUTIONS", "Religious Institutions", "8131"),
    ("RENEWABLES_ENVIRONMENT", "Renewables & Environment", "2211"),
    ("RESEARCH", "Research", "5417"),
    ("RESTAURANTS", "Restaurants", "7225"),
    ("RETAIL", "Retail", "44-45"),
    ("SECURITY_AND_INVESTIGATIONS", "Security and Investigations", "5616"),
    ("SEMICONDUCTORS", "Semiconductors", "3344"),
    ("SHIPBUILDING", "Shipbuilding", "3366"),
    ("SPORTING_GOODS", "Sporting Goods", "33992"),
    ("SPORTS", "Sports", "7112"),
    ("STAFFING_AND_RECRUITING", "Staffing and Recruiting", "5613"),
    ("SUPERMARKETS", "Supermarkets", "4451"),
    ("TELECOMMUNICATIONS", "Telecommunications", "517"),
    ("TEXTILES", "Textiles", "313"),
    ("THINK_TANKS", "Think Tanks", "54172"),
    ("TOBACCO", "Tobacco", "3122"),
    ("TRANSLATION_AND_LOCALIZATION", "Translation and Localization", "54193"),
    ("TRANSPORTATION_TRUCKING_RAILROAD", "Transportation/Trucking/Railroad", "48-49"),
    ("UTILITIES", "Utilities", "22"),
    ("VENTURE_CAPITAL_PRIVATE_EQUITY", "Venture Capital & Private Equity", "5239"),
    ("VETERINARY", "Veterinary", "54194"),
    ("WAREHOUSING", "Warehousing", "493"),
    ("WHOLESALE", "Wholesale", "42"),
    ("WINE_AND_SPIRITS", "Wine and Spirits", "3121"),
    ("WIRELESS", "Wireless", "5171"),
    ("WRITING_AND_EDITING", "Writing and Editing", "7115"),
)
# HubSpot values left unmapped: no single NAICS code is true of most accounts carrying them.
UNMAPPED_INDUSTRIES = (
    "Other", "ARTS_AND_CRAFTS", "INTERNATIONAL_TRADE_AND_DEVELOPMENT", "PACKAGING_AND_CONTAINERS",
    "PROGRAM_DEVELOPMENT", "PUBLIC_POLICY",
)

# Free-text spellings that recur in CRM exports outside the two picklists.
_COMMON_SPELLINGS: dict[str, str] = {
    "Software": "5132", "SaaS": "5132", "Software & Services": "51",
    "IT Services": "5415", "Information Technology": "5415", "IT": "5415",
    "Health Care": "62", "Hospitals": "622", "Pharma": "3254", "Pharmaceutical": "3254",
    "Non-profit": "813", "Nonprofit": "813", "NGO": "813", "Not-for-profit": "813",
    "Higher Ed": "6113", "K-12": "6111", "Legal": "5411", "Logistics": "48-49",
    "Aerospace": "3364", "Oil and Gas": "211", "Mining": "212", "Professional Services": "54",
    "Telecom": "517", "Public Sector": "92", "Public Administration": "92",
    "Financial": "52", "Wholesale Trade": "42", "Transportation & Logistics": "48-49",
    "Travel": "5615", "Staffing": "5613", "Marketing": "5418", "Advertising": "5418",
}


@functools.cache
def industry_aliases() -> dict[str, str]:
    """Normalised industry text -> NAICS code, from the Salesforce and HubSpot picklists.

    Keys are unique by construction, and every code is in the packaged NAICS list.

    Examples
    --------
    >>> industry_aliases()["banking"], industry_aliases()["computer software"]
    ('5221', '5132')
    """
    pairs = [(normalise_key_py(label), code) for label, code in _SALESFORCE.items()]
    for enum, label, code in _HUBSPOT:
        pairs += [(normalise_key_py(enum), code), (normalise_key_py(label), code)]
    pairs += [(normalise_key_py(text), code) for text, code in _COMMON_SPELLINGS.items()]
    table: dict[str, str] = {}
    for key, code in pairs:
        if code not in _titles():
            raise AssertionError(f"industry alias {key!r} maps to {code!r}, not a NAICS code")
        if table.setdefault(key, code) != code:
            raise AssertionError(f"industry alias {key!r} maps to {table[key]!r} and {code!r}")
    return table


def naics_for_industry(text: str | None) -> str | None:
    """NAICS code for a CRM industry value (Salesforce or HubSpot, label or internal value).

    Examples
    --------
    >>> [naics_for_industry(s) for s in ["Banking", "FINANCIAL_SERVICES", "Food & Beverage",
    ...                                  "Hospital & Health Care", "Other", None]]
    ['5221', '52', '311', '62', None, None]
    """
    return industry_aliases().get(normalise_key_py(text))


# --- in the engine ---------------------------------------------------------------------------

_CODE, _CODE_SECTOR, _CODE_TITLE = "_ind_code", "_ind_sector", "_ind_sector_title"
_ALIAS_KEY, _ALIAS_CODE = "_ind_alias_key", "_ind_alias_code"
_ALIAS_SECTOR, _ALIAS_TITLE = "_ind_alias_sector", "_ind_alias_sector_title"


def _memtable(columns: dict[str, list]) -> ir.Table:
    return ibis.memtable(columns, schema=dict.fromkeys(columns, "string"))


@functools.cache
def _code_table() -> ir.Table:
    """Every valid code (one row each) with its sector and sector title."""
    codes = sorted(_valid_codes())
    sectors = [naics_sector(code) for code in codes]
    titles = [sector_title(sector) for sector in sectors]
    return _memtable({_CODE: codes, _CODE_SECTOR: sectors, _CODE_TITLE: titles})


@functools.cache
def _alias_table() -> ir.Table:
    """Every industry alias key (one row each) with its code, sector and sector title."""
    aliases = industry_aliases()
    sectors = [naics_sector(code) for code in aliases.values()]
    titles = [sector_title(sector) for sector in sectors]
    return _memtable({_ALIAS_KEY: list(aliases), _ALIAS_CODE: list(aliases.values()),
                      _ALIAS_SECTOR: sectors, _ALIAS_TITLE: titles})


def attach_industry(
    accounts: ir.Table, *, industry: str = INDUSTRY, naics: str = NAICS
) -> ir.Table:
    """Give each account its best known NAICS code, sector and sector title.

    The account's own NAICS code wins when it is a real code at any level (whitespace removed,
    digits only, checked against the packaged NAICS list); otherwise the code mapped from its
    industry text (see `naics_for_industry`); otherwise null. Runs in the engine as left joins on
    small tables, so the row count never changes. A missing industry or NAICS column counts as
    all null.

    Parameters
    ----------
    accounts : ibis.Table
        Any table of accounts.
    industry, naics : str
        Names of the industry text and NAICS code columns.

    Returns
    -------
    ibis.Table
        The input columns in their order, with ``naics`` now the best known code (text; may be
        a published sector range such as "31-33"). Appended: ``naics_raw`` (the original),
        ``naics_source`` ('naics', 'industry' or null), ``naics_sector`` (as published: "52",
        "31-33") and ``sector_title``.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c"],
    ...     "industry": ["Banking", "Banking", "Other"], "naics": ["541511", "99", None]})
    >>> out = attach_industry(accounts).order_by("account_id").execute()
    >>> out[["naics", "naics_source", "naics_sector"]].values.tolist()
    [['541511', 'naics', '54'], ['5221', 'industry', '52'], [None, None, None]]
    >>> out.sector_title.tolist()[:2]
    ['Professional, Scientific, and Technical Services', 'Finance and Insurance']
    """
    raw_naics = (
        accounts[naics].cast("string") if naics in accounts.columns else ibis.null("string")
    )
    industry_text = (
        accounts[industry].cast("string") if industry in accounts.columns else ibis.null("string")
    )
    code_key, alias_key = _CODE + "_in", _ALIAS_KEY + "_in"
    keyed = accounts.mutate(
        **{
            code_key: raw_naics.re_replace(_WHITESPACE_RUN, "").nullif(""),
            alias_key: normalise_key(industry_text),
        }
    )
    codes, aliases = _code_table(), _alias_table()
    joined = (
        keyed.left_join(codes, keyed[code_key] == codes[_CODE])
        .left_join(aliases, keyed[alias_key] == aliases[_ALIAS_KEY])
        .select(*accounts.columns, _CODE, _CODE_SECTOR, _CODE_TITLE,
                _ALIAS_CODE, _ALIAS_SECTOR, _ALIAS_TITLE)
    )
    own = joined[_CODE].notnull()
    source = (
        ibis.cases((own, FROM_NAICS), (joined[_ALIAS_CODE].notnull(), FROM_INDUSTRY))
        .cast("string")
    )
    appended = {
        naics + RAW_SUFFIX: joined[naics] if naics in accounts.columns else ibis.null("string"),
        NAICS_SOURCE: source,
        NAICS_SECTOR: ibis.ifelse(own, joined[_CODE_SECTOR], joined[_ALIAS_SECTOR]),
        SECTOR_TITLE: ibis.ifelse(own, joined[_CODE_TITLE], joined[_ALIAS_TITLE]),
    }
    best = ibis.ifelse(own, joined[_CODE], joined[_ALIAS_CODE]).name(naics)
    kept = [best if c == naics else joined[c] for c in accounts.columns if c not in appended]
    if naics not in accounts.columns:
        kept.append(best)
    return joined.select(*kept, **appended)
