"""Country, sales-region and US/Canadian state normalisation, in Python and in the engine."""

from __future__ import annotations

import functools
import re

import ibis
import ibis.expr.types as ir
import pycountry

from segmint.tables import COUNTRY, RAW_SUFFIX, REGION, STATE  # attach_* keep "<column>_raw"
from segmint.text_classes import SIMPLE_LOWER, WHITESPACE

NORTH_AMERICA, LATAM, EMEA, APAC = "North America", "LATAM", "EMEA", "APAC"
REGIONS = (NORTH_AMERICA, LATAM, EMEA, APAC)

# --- the one normalisation, twice ------------------------------------------------------------

# Separators, punctuation and whitespace (spelt out: `\s` differs by engine), collapse to a space.
_SEPARATORS = ".,\\-_()'\u2019/&" + WHITESPACE
_SEPARATOR_RUN = f"[{_SEPARATORS}]+"
_EDGE_SPACE = "^ | $"  # after collapsing, at most one space remains at either end
_SEPARATOR_RUN_RE = re.compile(_SEPARATOR_RUN)
_EDGE_SPACE_RE = re.compile(_EDGE_SPACE)


def normalise_key(col: ir.StringValue) -> ir.StringValue:
    """Join key for free text: lowercase, separators collapsed to one space, trimmed.

    Built from portable string operations only, so every engine gives the same key. Accents
    are kept, so alias tables list "México" and "Mexico" both.

    Parameters
    ----------
    col : ibis.StringValue
        A string column or scalar: text as typed in the CRM.

    Returns
    -------
    ibis.StringValue
        The key; null when nothing but separators is left.

    Examples
    --------
    >>> t = ibis.memtable({"country": [" U.S.A. ", "Deutschland", "--"]})
    >>> normalise_key(t.country).name("key").execute().tolist()
    ['u s a', 'deutschland', None]
    """
    key = col.lower().re_replace(_SEPARATOR_RUN, " ").re_replace(_EDGE_SPACE, "")
    return key.nullif("")


def normalise_key_py(text: str | None) -> str | None:
    """`normalise_key` on one text in Python: the keys of the alias tables, and lookups.

    Examples
    --------
    >>> normalise_key_py("  U.S.A. ")
    'u s a'
    >>> normalise_key_py("Côte d’Ivoire")
    'côte d ivoire'
    >>> normalise_key_py(" - ") is None
    True
    """
    if text is None:
        return None
    key = _SEPARATOR_RUN_RE.sub(" ", text.translate(SIMPLE_LOWER).lower())
    return _EDGE_SPACE_RE.sub("", key) or None


# --- countries -------------------------------------------------------------------------------

# What people type in a CRM country field beyond what pycountry knows: abbreviations, the
# constituent countries of the UK, native names (with and without accents) and old names.
_COUNTRY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "US": ("USA", "U.S.", "U.S.A.", "US of A", "U.S. of A.", "United States of America",
           "The United States", "America", "Estados Unidos", "EE.UU.", "EEUU", "États-Unis",
           "Etats-Unis", "Vereinigte Staaten"),
    "GB": ("UK", "U.K.", "The UK", "The United Kingdom", "Great Britain", "Britain", "England",
           "Scotland", "Wales", "Cymru", "Northern Ireland", "Royaume-Uni", "Reino Unido",
           "Vereinigtes Königreich", "Vereinigtes Koenigreich"),
    "DE": ("Deutschland", "Federal Republic of Germany", "Allemagne", "Alemania", "Germania",
           "BRD", "GER"),
    "NL": ("Holland", "The Netherlands", "Netherlands, The", "Nederland", "Pays-Bas",
           "Niederlande", "Países Bajos", "Paises Bajos"),
    # "Korea" alone is read as South Korea: B2B accounts in North Korea do not occur in practice.
    "KR": ("South Korea", "Korea", "Republic of Korea", "Korea, South", "Korea (South)",
           "S. Korea", "Korea Republic", "대한민국", "한국"),
    "KP": ("North Korea", "Korea, North", "DPRK"),
    "RU": ("Russia", "Rossiya", "Россия"),
    "CZ": ("Czech Republic", "Czechia", "Česko", "Cesko", "Česká republika", "Ceska republika"),
    "TR": ("Türkiye", "Turkiye", "Turkey", "Türkei", "Turkei"),
    "AE": ("UAE", "U.A.E.", "Emirates", "The Emirates"),
    "VN": ("Viet Nam", "Vietnam", "Việt Nam"),
    "CI": ("Ivory Coast", "Cote d'Ivoire", "Côte d'Ivoire"),
    "HK": ("Hong Kong SAR", "Hong Kong S.A.R.", "HKSAR", "Hong Kong, China", "香港"),
    "MO": ("Macau", "Macao SAR", "Macau SAR", "澳門", "澳门"),
    "TW": ("Taiwan", "Taiwan, R.O.C.", "Taiwan ROC", "Chinese Taipei", "台灣", "台湾"),
    "CN": ("PRC", "P.R. China", "P.R.C.", "People's Republic of China",
           "China, People's Republic of", "Mainland China", "中国", "中國", "中华人民共和国"),
    "IR": ("Iran", "Islamic Republic of Iran"),
    "BO": ("Bolivia",),
    "VE": ("Venezuela",),
    "TZ": ("Tanzania",),
    "SY": ("Syria",),
    "LA": ("Laos", "Lao PDR"),
    "MD": ("Moldova",),
    "BR": ("Brasil",),
    "MX": ("México", "Mexico"),
    "ES": ("España", "Espana", "Espagne", "Spanien"),
    "AT": ("Österreich", "Osterreich", "Oesterreich", "Autriche"),
    "CH": ("Schweiz", "Suisse", "Svizzera", "Helvetia"),
    "SE": ("Sverige",),
    "NO": ("Norge", "Noreg"),
    "DK": ("Danmark", "Dänemark"),
    "FI": ("Suomi",),
    "PL": ("Polska",),
    "IT": ("Italia", "Italie", "Italien"),
    "FR": ("Frankreich", "Francia"),
    "BE": ("België", "Belgie", "Belgique", "Belgien"),
    "LU": ("Luxemburg", "Lëtzebuerg"),
    "PT": ("Portugal",),
    "GR": ("Hellas", "Ελλάδα"),
    "HU": ("Magyarország", "Magyarorszag"),
    "RO": ("România",),
    "HR": ("Hrvatska",),
    "SI": ("Slovenija",),
    "SK": ("Slovensko", "Slovak Republic"),
    "EE": ("Eesti",),
    "LV": ("Latvija",),
    "LT": ("Lietuva",),
    "IS": ("Ísland",),
    "UA": ("Україна", "Ukraina"),
    "BG": ("България",),
    "RS": ("Srbija", "Србија"),
    "BA": ("Bosnia", "Bosnia-Herzegovina", "Bosnia & Herzegovina"),
    "MK": ("Macedonia", "FYROM"),
    "IE": ("Éire", "Eire", "Republic of Ireland"),
    "JP": ("Nippon", "Nihon", "日本"),
    "IN": ("Bharat", "भारत"),
    "SA": ("KSA", "Saudi"),
    "ZA": ("RSA", "S. Africa", "S Africa", "Rep. of South Africa"),
    "NZ": ("Aotearoa", "N.Z."),
    "CD": ("DRC", "DR Congo", "Democratic Republic of the Congo", "Congo-Kinshasa",
           "Congo (Kinshasa)"),
    "CG": ("Congo-Brazzaville", "Congo (Brazzaville)", "Congo Republic"),
    "GE": ("Georgia (country)", "Republic of Georgia", "Sakartvelo", "საქართველო"),
    "VA": ("Vatican", "Vatican City", "Holy See"),
    "PS": ("Palestine",),
    "BN": ("Brunei",),
    "CV": ("Cape Verde",),
    "SZ": ("Swaziland",),
    "MM": ("Burma",),
    "TL": ("East Timor",),
    "FM": ("Micronesia",),
    "VG": ("British Virgin Islands", "BVI"),
    "VI": ("US Virgin Islands", "U.S. Virgin Islands", "USVI"),
    "KN": ("St Kitts and Nevis", "St. Kitts", "Saint Kitts"),
    "LC": ("St Lucia", "St. Lucia"),
    "VC": ("St Vincent and the Grenadines", "St. Vincent"),
    "BL": ("St Barts", "St. Barths", "Saint Barthelemy"),
    "SX": ("Sint Maarten",),
    "MF": ("Saint Martin",),
    "CW": ("Curacao",),
    "RE": ("Reunion",),
    "AX": ("Aland Islands", "Aland"),
    "FK": ("Falklands", "Falkland Islands"),
    "TT": ("Trinidad", "Trinidad & Tobago"),
    "AG": ("Antigua", "Antigua & Barbuda"),
    "ST": ("Sao Tome and Principe", "São Tomé and Príncipe"),
    "XK": ("Kosovo", "XK", "XKX"),
}

# Removed from the alias table, so they stay unknown instead of being guessed:
# - "Georgia" is the country GE and a US state. In CRM exports it is far more often the state
#   typed into the wrong field, so only unambiguous forms ("GE", "GEO", "Republic of Georgia",
#   "Georgia (country)", "Sakartvelo") give GE.
# - "Congo" names both CG and CD; "DRC", "Congo-Brazzaville" and the like are clear.
# - "NA" is Namibia's alpha-2 code but in an export almost always means "not available".
_AMBIGUOUS_COUNTRY_KEYS = frozenset({"georgia", "congo", "na"})

# Kosovo has no ISO 3166-1 code; XK is the code the EU, SWIFT and CRM country picklists use.
_EXTRA_COUNTRIES = ("XK",)

# Sales regions, written by hand because no library maps ISO countries to go-to-market regions
# (UN M49 and CLDR give continents, not sales territories). The base is UN M49: Northern America
# -> North America; Latin America and the Caribbean -> LATAM; Europe, Africa and Western Asia ->
# EMEA; the rest of Asia and Oceania -> APAC. Deviations, as sales teams usually draw them:
# - US territories (PR, VI, GU, AS, MP, UM) -> North America: US dollars, US law, US reps.
# - Greenland, Bermuda and Saint Pierre and Miquelon stay North America, as in M49.
# - Iran (Middle East) and Central Asia (KZ, KG, TJ, TM, UZ, usually sold with the CIS from
#   European hubs) -> EMEA.
# - Bouvet Island and South Georgia (M49: South America) -> LATAM; British Indian Ocean Territory
#   and French Southern Territories (M49: Eastern Africa) -> EMEA; Heard and McDonald Islands ->
#   APAC. Antarctica has no M49 region and is put in APAC only so that every code has one.
_REGION_COUNTRIES: dict[str, str] = {
    NORTH_AMERICA: "US CA BM GL PM PR VI GU AS MP UM",
    LATAM: (
        "MX BZ CR SV GT HN NI PA "  # Mexico and Central America
        "AR BO BR CL CO EC FK GF GY PY PE SR UY VE BV GS "  # South America
        "AI AG AW BS BB BQ KY CU CW DM DO GD GP HT JM MQ MS KN LC MF VC SX BL TT TC VG"
    ),
    EMEA: (
        "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE "
        "LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK "  # Europe
        "AE BH IL IQ IR JO KW LB OM PS QA SA SY TR YE AM AZ GE "  # Middle East and Caucasus
        "KZ KG TJ TM UZ "  # Central Asia
        "DZ AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR LY "
        "MG MW ML MR MU YT MA MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD TZ TG TN UG EH ZM ZW "
        "IO TF"  # Africa
    ),
    APAC: (
        "AF BD BT BN KH CN HK IN ID JP KP KR LA MO MY MV MN MM NP PK PH SG LK TW TH TL VN "
        "AU CC CK CX FJ FM HM KI MH NC NF NR NU NZ PF PG PN PW SB TK TO TV VU WF WS AQ"
    ),
}


def _unique_aliases(pairs, what: str) -> dict:
    """Alias -> value, refusing a key that two values claim (a join on it would add rows)."""
    table: dict = {}
    for key, value in pairs:
        if key is None:
            continue
        if table.setdefault(key, value) != value:
            msg = f"{what} alias {key!r} maps to both {table[key]!r} and {value!r}"
            raise AssertionError(msg)
    return table


@functools.cache
def region_by_country() -> dict[str, str]:
    """ISO alpha-2 code -> sales region, for every pycountry country and Kosovo (XK).

    Examples
    --------
    >>> region_by_country()["BR"], region_by_country()["PR"]
    ('LATAM', 'North America')
    """
    pairs = [(code, region)
             for region, codes in _REGION_COUNTRIES.items() for code in codes.split()]
    return _unique_aliases(pairs, "region")


@functools.cache
def country_aliases() -> dict[str, str]:
    """Normalised country spelling -> ISO alpha-2 code.

    Built from pycountry (alpha-2, alpha-3, name, official and common name) and the hand-written
    CRM spellings above, less the ambiguous keys. Keys are unique by construction.

    Examples
    --------
    >>> country_aliases()["u s a"], country_aliases()["österreich"]
    ('US', 'AT')
    >>> "georgia" in country_aliases()
    False
    """
    pairs = []
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            pairs.append((normalise_key_py(getattr(c, attr, None)), c.alpha_2))
    for code, spellings in _COUNTRY_SPELLINGS.items():
        pairs.extend((normalise_key_py(s), code) for s in spellings)
    pairs = [(key, code) for key, code in pairs if key not in _AMBIGUOUS_COUNTRY_KEYS]
    english = _unique_aliases(pairs, "country")
    return english | {key: code for key, code in translated_country_names().items()
                      if key not in english and key not in _AMBIGUOUS_COUNTRY_KEYS}


# The languages of European CRM exports whose country names pycountry ships translations of
# (its gettext catalogues, read from the installed package: nothing is downloaded).
TRANSLATED_LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb_NO", "fi", "pl")


@functools.cache
def translated_country_names() -> dict[str, str]:
    """Normalised country name in `TRANSLATED_LANGUAGES` -> ISO alpha-2 code, from pycountry's
    translations ('Albanien', 'Allemagne', 'Alemania', 'Paesi Bassi'); a name two countries'
    translations share is left out.

    Examples
    --------
    >>> names = translated_country_names()
    >>> names["albanien"], names["allemagne"], names["paesi bassi"], names["stati uniti"]
    ('AL', 'DE', 'NL', 'US')
    """
    import gettext

    claims: dict[str, set[str]] = {}
    for language in TRANSLATED_LANGUAGES:
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language],
                                        fallback=True)
        for c in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                english = getattr(c, attr, None)
                key = normalise_key_py(catalogue.gettext(english)) if english else None
                if key is not None:
                    claims.setdefault(key, set()).add(c.alpha_2)
    return {key: codes.pop() for key, codes in claims.items() if len(codes) == 1}


def country_code(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country as typed in a CRM; None when unknown or ambiguous.

    Examples
    --------
    >>> [country_code(s) for s in ["U.S.A.", "Deutschland", "日本", "Georgia", "junk", None]]
    ['US', 'DE', 'JP', None, None, None]
    """
    return country_aliases().get(normalise_key_py(text))


def region_of(code: str | None) -> str | None:
    """Sales region (North America, LATAM, EMEA, APAC) of an ISO alpha-2 code.

    Examples
    --------
    >>> [region_of(c) for c in ["US", "mx", "DE", "JP", "ZZ", None]]
    ['North America', 'LATAM', 'EMEA', 'APAC', None, None]
    """
    return region_by_country().get(code.strip().upper()) if code else None


# --- states and provinces --------------------------------------------------------------------

STATE_COUNTRIES = ("US", "CA")  # countries whose state column is normalised to a code

# Postal-era and AP-style abbreviations and other names pycountry does not carry. Every code
# also matches as written ("NY"), dotted ("N.Y.") and as its ISO subdivision code ("US-NY").
_STATE_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "US": {
        "AL": ("Ala.",), "AZ": ("Ariz.",), "AR": ("Ark.",), "CA": ("Calif.", "Cal.", "Cali"),
        "CO": ("Colo.",), "CT": ("Conn.",), "DE": ("Del.",),
        "DC": ("D.C.", "Washington DC", "Washington, D.C.", "Wash. D.C.", "District of Columbia"),
        "FL": ("Fla.",), "GA": ("Ga.",), "HI": ("Hawai'i", "Hawaiʻi"), "IL": ("Ill.",),
        "IN": ("Ind.",), "KS": ("Kan.", "Kans."), "KY": ("Ky.",), "LA": ("La.",),
        "MD": ("Md.",), "MA": ("Mass.",), "MI": ("Mich.",), "MN": ("Minn.",), "MS": ("Miss.",),
        "MO": ("Mo.",), "MT": ("Mont.",), "NE": ("Neb.", "Nebr."), "NV": ("Nev.",),
        "NH": ("N.H.",), "NJ": ("N.J.",), "NM": ("N.M.", "N.Mex."),
        "NY": ("N.Y.", "New York State", "NYS"), "NC": ("N.C.", "N. Carolina"),
        "ND": ("N.D.", "N.Dak."), "OK": ("Okla.",), "OR": ("Ore.", "Oreg."),
        "PA": ("Pa.", "Penn.", "Penna."), "RI": ("R.I.",), "SC": ("S.C.", "S. Carolina"),
        "SD": ("S.D.", "S.Dak."), "TN": ("Tenn.",), "TX": ("Tex.",), "VT": ("Vt.",),
        "VA": ("Va.",), "WA": ("Wash.", "Washington State"), "WV": ("W.Va.", "W. Virginia"),
        "WI": ("Wis.", "Wisc."), "WY": ("Wyo.",), "PR": ("P.R.",),
        "VI": ("US Virgin Islands", "U.S. Virgin Islands", "USVI"),
        "MP": ("Northern Marianas", "CNMI"),
    },
    "CA": {
        "AB": ("Alta.",), "BC": ("B.C.", "Colombie-Britannique"), "MB": ("Man.",),
        "NB": ("N.B.", "Nouveau-Brunswick"),
        "NL": ("Nfld.", "Newfoundland", "NF", "Terre-Neuve-et-Labrador",
               "Newfoundland & Labrador"),
        "NS": ("N.S.", "Nouvelle-Écosse", "Nouvelle-Ecosse"),
        "NT": ("N.W.T.", "NWT", "Territoires du Nord-Ouest"), "NU": ("Nvt.",),
        "ON": ("Ont.",),
        "PE": ("P.E.I.", "PEI", "Île-du-Prince-Édouard", "Ile-du-Prince-Edouard"),
        "QC": ("Québec", "Que.", "Qué.", "PQ", "P.Q."), "SK": ("Sask.",),
        "YT": ("Y.T.", "Yuk.", "Yukon", "Yukon Territory"),
    },
}


@functools.cache
def state_aliases() -> dict[tuple[str, str], str]:
    """(country code, normalised spelling) -> 2-letter state or province code, for US and CA.

    Examples
    --------
    >>> state_aliases()[("US", "calif")], state_aliases()[("CA", "québec")]
    ('CA', 'QC')
    """
    pairs = []
    for country in STATE_COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=country):
            code = sub.code.split("-")[1]
            for spelling in (code, ".".join(code) + ".", sub.code, sub.name):
                pairs.append(((country, normalise_key_py(spelling)), code))
        for code, spellings in _STATE_SPELLINGS[country].items():
            pairs.extend(((country, normalise_key_py(s)), code) for s in spellings)
    return _unique_aliases(pairs, "state")


@functools.cache
def country_by_state_name() -> dict[str, str]:
    """Normalised state or province name -> its country (US or CA), for an account whose country
    is blank: names and abbreviations of more than two letters only, since a bare code is no
    proof of the country (WA and NT are also Australian states, MP an Indian one).

    Examples
    --------
    >>> names = country_by_state_name()
    >>> names["texas"], names["calif"], names["québec"], names["us ny"], "wa" in names
    ('US', 'US', 'CA', 'US', False)
    """
    pairs = [(key, country) for (country, key) in state_aliases()
             if len(key.replace(" ", "")) > 2]
    return _unique_aliases(pairs, "state name")


def state_code(text: str | None, country_code: str | None) -> str | None:
    """Two-letter state, district, territory or province code, for US and Canadian addresses.

    Parameters
    ----------
    text : str or None
        State as typed in the CRM.
    country_code : str or None
        ISO alpha-2 code of the account's country (see `country_code`).

    Returns
    -------
    str or None
        The code; None when unknown or when the country is neither US nor CA.

    Examples
    --------
    >>> [state_code(s, "US") for s in ["Calif.", "N.Y.", "texas", "Georgia", "Ontario"]]
    ['CA', 'NY', 'TX', 'GA', None]
    >>> state_code("Québec", "CA"), state_code("Bavaria", "DE")
    ('QC', None)
    """
    if not country_code:
        return None
    return state_aliases().get((country_code.strip().upper(), normalise_key_py(text)))


# --- in the engine ---------------------------------------------------------------------------

_COUNTRY_KEY, _COUNTRY_CODE, _REGION = "_geo_country_key", "_geo_country", "_geo_region"
_STATE_COUNTRY, _STATE_KEY, _STATE_CODE = "_geo_state_country", "_geo_state_key", "_geo_state"
_STATE_NAME_KEY, _STATE_NAME_COUNTRY, _STATE_NAME_REGION = (
    "_geo_state_name", "_geo_state_name_country", "_geo_state_name_region")


@functools.cache
def _country_table() -> ir.Table:
    aliases = country_aliases()
    regions = region_by_country()
    return ibis.memtable(
        {
            _COUNTRY_KEY: list(aliases),
            _COUNTRY_CODE: list(aliases.values()),
            _REGION: [regions[code] for code in aliases.values()],
        },
        schema={_COUNTRY_KEY: "string", _COUNTRY_CODE: "string", _REGION: "string"},
    )


@functools.cache
def _state_name_table() -> ir.Table:
    names = country_by_state_name()
    regions = region_by_country()
    return ibis.memtable(
        {_STATE_NAME_KEY: list(names), _STATE_NAME_COUNTRY: list(names.values()),
         _STATE_NAME_REGION: [regions[code] for code in names.values()]},
        schema={_STATE_NAME_KEY: "string", _STATE_NAME_COUNTRY: "string",
                _STATE_NAME_REGION: "string"},
    )


@functools.cache
def _state_table() -> ir.Table:
    aliases = state_aliases()
    return ibis.memtable(
        {
            _STATE_COUNTRY: [country for country, _ in aliases],
            _STATE_KEY: [key for _, key in aliases],
            _STATE_CODE: list(aliases.values()),
        },
        schema={_STATE_COUNTRY: "string", _STATE_KEY: "string", _STATE_CODE: "string"},
    )


def attach_geography(
    accounts: ir.Table, *, country: str = COUNTRY, state: str = STATE
) -> ir.Table:
    """Replace country text by its ISO code, add the sales region and normalise US/CA states.

    Runs in the engine as left joins on small alias tables keyed by `normalise_key`, so the
    row count never changes. Unknown or ambiguous countries become null, never a guess.

    Parameters
    ----------
    accounts : ibis.Table
        Any table with a country column; a state column is optional.
    country, state : str
        Names of those columns.

    Returns
    -------
    ibis.Table
        The input columns in their order, with ``country`` now the ISO alpha-2 code (null when
        unknown) and, where the code is US or CA, ``state`` the 2-letter state or province code
        (null when unknown; other countries keep their state text). A blank country is taken
        from a state written out as a US state or Canadian province (`country_by_state_name`);
        ``country_raw`` stays blank, which is how the audit counts them. Appended: ``country_raw``
        (the original text), ``region`` (North America, LATAM, EMEA, APAC; null when the country
        is unknown) and, when there is a state column, ``state_raw``. With other column names the
        originals go to ``<name>_raw``. An existing ``region`` column is dropped for the new one.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c"],
    ...     "country": ["U.S.A.", "Deutschland", "Georgia"], "state": ["Calif.", "Bayern", None]})
    >>> out = attach_geography(accounts).order_by("account_id").execute()
    >>> out.columns.tolist()
    ['account_id', 'country', 'state', 'country_raw', 'region', 'state_raw']
    >>> out[["country", "region", "state"]].values.tolist()
    [['US', 'North America', 'CA'], ['DE', 'EMEA', 'Bayern'], [None, None, None]]
    >>> blank = ibis.memtable({"country": [None, " ", None], "state": ["Texas", "Ontario", "WA"]})
    >>> attach_geography(blank).execute()[["country", "state"]].values.tolist()
    [['US', 'TX'], ['CA', 'ON'], [None, 'WA']]
    """
    country_key, state_key = _COUNTRY_KEY + "_in", _STATE_KEY + "_in"
    countries = _country_table()
    keyed = accounts.mutate(**{country_key: normalise_key(accounts[country].cast("string"))})
    geo = keyed.left_join(countries, keyed[country_key] == countries[_COUNTRY_KEY]).select(
        *accounts.columns, _COUNTRY_CODE, _REGION
    )
    replaced = {country: geo[_COUNTRY_CODE]}
    appended = {country + RAW_SUFFIX: geo[country], REGION: geo[_REGION]}

    if state in accounts.columns:
        states, names = _state_table(), _state_name_table()
        # a blank country (not an unknown one) is taken from a state name that says it
        name_key = _STATE_NAME_KEY + "_in"
        keyed = keyed.mutate(**{
            state_key: normalise_key(keyed[state].cast("string")),
            name_key: ibis.ifelse(keyed[country_key].isnull(),
                                  normalise_key(keyed[state].cast("string")), None)})
        geo = (keyed.left_join(countries, keyed[country_key] == countries[_COUNTRY_KEY])
               .left_join(names, keyed[name_key] == names[_STATE_NAME_KEY]))
        geo = geo.select(
            *accounts.columns, state_key,
            **{_COUNTRY_CODE: geo[_COUNTRY_CODE].coalesce(geo[_STATE_NAME_COUNTRY]),
               _REGION: geo[_REGION].coalesce(geo[_STATE_NAME_REGION])})
        geo = geo.view()
        on = [(_COUNTRY_CODE, _STATE_COUNTRY), (state_key, _STATE_KEY)]
        geo = geo.left_join(states, on).select(
            *accounts.columns, _COUNTRY_CODE, _REGION, _STATE_CODE
        )
        in_us_or_ca = geo[_COUNTRY_CODE].isin(STATE_COUNTRIES)
        replaced = {
            country: geo[_COUNTRY_CODE],
            state: ibis.ifelse(in_us_or_ca, geo[_STATE_CODE], geo[state].cast("string")),
        }
        appended = {
            country + RAW_SUFFIX: geo[country],
            REGION: geo[_REGION],
            state + RAW_SUFFIX: geo[state],
        }

    kept = [replaced.get(c, geo[c]).name(c) for c in accounts.columns if c not in appended]
    return geo.select(*kept, **appended)
