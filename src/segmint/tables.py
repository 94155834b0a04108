"""Canonical tables: their column names, types and keys, declared once."""

from __future__ import annotations

from dataclasses import dataclass, field

# accounts
ACCOUNT_ID = "account_id"
NAME = "name"
DOMAIN = "domain"
PARENT_ID = "parent_id"
INDUSTRY = "industry"
NAICS = "naics"
EMPLOYEES = "employees"
ANNUAL_REVENUE = "annual_revenue"
COUNTRY = "country"
REGION = "region"
STATE = "state"
POSTAL_CODE = "postal_code"  # text: "02139" keeps its leading zero
CITY = "city"
LATITUDE = "latitude"  # decimal degrees, -90 to 90
LONGITUDE = "longitude"  # decimal degrees, -180 to 180
OWNER_ID = "owner_id"
IS_CUSTOMER = "is_customer"
ACCOUNT_TYPE = "account_type"
CREATED_DATE = "created_date"
# Derived by the parent walk (enrich.parents), not read from a file: the top ancestor of each
# account, its own id when it has no parent. Accounts with one family_id are one company.
FAMILY_ID = "family_id"

# deals
DEAL_ID = "deal_id"
AMOUNT = "amount"
CURRENCY = "currency"
CLOSE_DATE = "close_date"
STAGE = "stage"
IS_WON = "is_won"
IS_CLOSED = "is_closed"
DEAL_TYPE = "deal_type"
PRODUCT = "product"
LEAD_SOURCE = "lead_source"
PROBABILITY = "probability"  # of winning, 0 to 1

# revenue
PERIOD = "period"
MRR = "mrr"
ARR = "arr"

# usage
DATE = "date"
METRIC = "metric"
VALUE = "value"

# enrichment (enrich/): what it adds to the accounts beside the canonical columns
RAW_SUFFIX = "_raw"  # the text the CRM had, where normalising replaced it (country_raw)
SOURCE_SUFFIX = "_source"  # where a filled group came from: 'own' or 'parent' (country_source)
NAICS_SOURCE, NAICS_SECTOR, SECTOR_TITLE = "naics_source", "naics_sector", "sector_title"
PARENT_SOURCE = "parent_source"  # how parent_id found its parent: id, name, ambiguous, unknown
INHERITED_GROUPS = ("industry", "country", "employees")  # what a child may take from its parent
ENRICHED_COLUMNS = (
    REGION, ARR, NAICS_SECTOR, SECTOR_TITLE, NAICS_SOURCE, PARENT_SOURCE, FAMILY_ID,
    *(f"{column}{RAW_SUFFIX}" for column in (COUNTRY, STATE, NAICS)),
    *(f"{group}{SOURCE_SUFFIX}" for group in INHERITED_GROUPS),
)

# owners: the reps (CRM users) who hold accounts and deals; accounts' and deals' owner_id
# name them by id, email or full name (enrich.owners.link_owners)
EMAIL = "email"
ROLE = "role"
CAPACITY_HOURS = "capacity_hours"  # selling hours a year the rep has for their book
CAPACITY_ACCOUNTS = "capacity_accounts"  # accounts the rep can hold
START_DATE = "start_date"
ACTIVE = "active"

# lineage, added by load to every row of every table
SOURCE_FILE = "_source_file"
SOURCE_ROW = "_source_row"
LINEAGE = (SOURCE_FILE, SOURCE_ROW)

# market: firm counts by industry x employee-size class (x geography), such as US Census SUSB
SIZE_CLASS = "size_class"  # the class as its source labels it ("100-149", "5,000+")
SIZE_MIN = "size_min_employees"  # the smallest firm of the class
SIZE_MAX = "size_max_employees"  # the largest; empty for an open-ended class ("5,000+")
FIRMS = "firms"
EMPLOYMENT = "employment"  # employees of all the class's firms together
IS_SUBTOTAL = "is_subtotal"  # a roll-up of other rows (SUSB's Total, <20, <500): never summed

# potential (score/potential): what each account could spend, and what it does not spend yet
POTENTIAL = "potential"  # annual spend it could reach: its look-alikes' high quantile, or its ARR
POTENTIAL_LOW = "potential_low"  # ... at the lower quantile of the range
POTENTIAL_HIGH = "potential_high"  # ... at the upper quantile of the range
WHITESPACE = "whitespace"  # potential - arr
SHARE_OF_WALLET = "share_of_wallet"  # arr / potential
POTENTIAL_BAND = "potential_band"
PRODUCT_WHITESPACE = "product_whitespace"  # products its look-alikes hold and it does not
PRODUCT_WHITESPACE_ARR = "product_whitespace_arr"  # ... at the look-alikes' median ARR on each

# segmentation outputs
SEGMENT = "segment"
REASON = "reason"  # readable: "employees missing; country Earth not recognised"
UNASSIGNED = "Unassigned"
PRODUCTS = "products"
# ... and the same reason as data (segment/assign.py): a stable code, the dimension and field
# it is about, and the value in question (VALUE, "value", above). Documented in the README.
REASON_CODE = "reason_code"
DIMENSION = "dimension"
FIELD = "field"
REASON_COLUMNS = (REASON, REASON_CODE, DIMENSION, FIELD, VALUE)
RULE = "rule"  # field: the rule's segment name; value: its `when`
DEFAULT = "default"  # value: the default template
MISSING = "missing"  # the field a template dimension reads is blank
UNRECOGNISED = "unrecognised"  # ... as enrichment could not read it; value: what the CRM said
UNMAPPED = "unmapped"  # value: the field's value, which the dimension's map has no entry for
NO_DEFAULT = "no_default"  # no rule matched and there is no template
REASON_CODES = (RULE, DEFAULT, MISSING, UNRECOGNISED, UNMAPPED, NO_DEFAULT)
# The template's dimensions fail one by one: an Unassigned account can have several of these
# (one row each in `unassigned_reasons`); the other codes come one per account.
TEMPLATE_FAILURES = (MISSING, UNRECOGNISED, UNMAPPED)


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its name, key, grain and typed columns.

    `columns` maps each canonical column to its type name: one of
    ``string``, ``integer``, ``number``, ``money``, ``date``, ``boolean``, ``probability``
    (a fraction from 0 to 1, read from 0-100 or 0-1), ``coordinate`` (decimal degrees, with a
    decimal point or comma).
    `required` columns must be mapped for the table to load.

    Examples
    --------
    >>> ACCOUNTS.columns[EMPLOYEES]
    'number'
    >>> ACCOUNTS.key
    ('account_id',)
    """

    name: str
    key: tuple[str, ...]
    grain: str
    columns: dict[str, str]
    required: tuple[str, ...]
    references: dict[str, str] = field(default_factory=dict)  # column -> table it must exist in


ACCOUNTS = TableSpec(
    "accounts",
    key=(ACCOUNT_ID,),
    grain="one account",
    columns={
        ACCOUNT_ID: "string",
        NAME: "string",
        DOMAIN: "string",
        PARENT_ID: "string",
        INDUSTRY: "string",
        NAICS: "string",
        EMPLOYEES: "number",
        ANNUAL_REVENUE: "money",
        COUNTRY: "string",
        STATE: "string",
        POSTAL_CODE: "string",
        CITY: "string",
        LATITUDE: "coordinate",
        LONGITUDE: "coordinate",
        OWNER_ID: "string",
        ACCOUNT_TYPE: "string",
        IS_CUSTOMER: "boolean",
        CREATED_DATE: "date",
    },
    required=(ACCOUNT_ID,),
)

DEALS = TableSpec(
    "deals",
    key=(DEAL_ID,),
    grain="one opportunity or booking",
    columns={
        DEAL_ID: "string",
        ACCOUNT_ID: "string",
        NAME: "string",
        AMOUNT: "money",
        CURRENCY: "string",
        CREATED_DATE: "date",
        CLOSE_DATE: "date",
        STAGE: "string",
        IS_WON: "boolean",
        IS_CLOSED: "boolean",
        DEAL_TYPE: "string",
        PRODUCT: "string",
        LEAD_SOURCE: "string",
        OWNER_ID: "string",
        PROBABILITY: "probability",
    },
    required=(DEAL_ID, ACCOUNT_ID),
    references={ACCOUNT_ID: "accounts"},
)

REVENUE = TableSpec(
    "revenue",
    key=(ACCOUNT_ID, PERIOD, PRODUCT),
    grain="account x month (x product)",
    columns={ACCOUNT_ID: "string", PERIOD: "date", PRODUCT: "string", MRR: "money",
             CURRENCY: "string"},  # mrr's currency; blank: the reporting currency
    required=(ACCOUNT_ID, PERIOD, MRR),
    references={ACCOUNT_ID: "accounts"},
)

USAGE = TableSpec(
    "usage",
    key=(ACCOUNT_ID, DATE, METRIC),
    grain="account x date x metric",
    columns={ACCOUNT_ID: "string", DATE: "date", METRIC: "string", VALUE: "number"},
    required=(ACCOUNT_ID, DATE, METRIC, VALUE),
    references={ACCOUNT_ID: "accounts"},
)

# Capacity is two columns, not a number and a unit: a rep may have both an hours budget and a
# cap on accounts held, each sums across reps without converting units, and a plan reads the
# one it needs (a capacity plan works in hours). Either may be left empty.
OWNERS = TableSpec(
    "owners",
    key=(OWNER_ID,),
    grain="one rep (CRM user or owner)",
    columns={
        OWNER_ID: "string",
        NAME: "string",
        EMAIL: "string",
        ROLE: "string",
        REGION: "string",  # the rep's sales region or team, as the CRM names it
        CAPACITY_HOURS: "number",
        CAPACITY_ACCOUNTS: "integer",
        START_DATE: "date",
        ACTIVE: "boolean",
    },
    required=(OWNER_ID,),
)

# The market the accounts are part of: how many firms there are per industry and size class,
# from national statistics (US Census SUSB is packaged) or a prospect list of the same shape.
MARKET = TableSpec(
    "market",
    key=(NAICS, SIZE_CLASS, COUNTRY, STATE),
    grain="industry x employee-size class (x geography)",
    columns={
        NAICS: "string",  # a NAICS code at any level ("52", "5415", "31-33")
        SIZE_CLASS: "string",
        SIZE_MIN: "number",
        SIZE_MAX: "number",
        FIRMS: "number",
        EMPLOYMENT: "number",
        COUNTRY: "string",
        STATE: "string",
        IS_SUBTOTAL: "boolean",
    },
    required=(SIZE_MIN, FIRMS),
)

SPECS: dict[str, TableSpec] = {spec.name: spec
                               for spec in (ACCOUNTS, DEALS, REVENUE, USAGE, OWNERS, MARKET)}

# Canonical columns that may hold ';'-separated lists (sources.<table>.multi_value), read as
# arrays of strings: a deal sold several products ("Analytics;CRM"). Any extra attribute column
# may too; other canonical columns are read as one value.
MULTI_VALUE_COLUMNS: dict[str, tuple[str, ...]] = {"deals": (PRODUCT,)}

# performance analyses (analyse/performance.py, deals.py, cohorts.py)
ALL_SEGMENTS = "All"  # the total row of a per-segment table; not usable as a segment name
OPENING_ARR = "opening_arr"
CLOSING_ARR = "closing_arr"
NEW_LOGO = "new_logo"
EXPANSION = "expansion"
CROSS_SELL = "cross_sell"
CONTRACTION = "contraction"
CHURN = "churn"
REACTIVATION = "reactivation"
MOVEMENTS = (NEW_LOGO, EXPANSION, CROSS_SELL, CONTRACTION, CHURN, REACTIVATION)
BRIDGE = (OPENING_ARR, *MOVEMENTS, CLOSING_ARR)  # opening + sum(MOVEMENTS) == closing
OPENING_LOGOS = "opening_logos"
CLOSING_LOGOS = "closing_logos"
NEW_LOGOS = "new_logos"
CHURNED_LOGOS = "churned_logos"
REACTIVATED_LOGOS = "reactivated_logos"
LOGOS = (OPENING_LOGOS, CLOSING_LOGOS, NEW_LOGOS, CHURNED_LOGOS, REACTIVATED_LOGOS)
NRR = "nrr"
GRR = "grr"
NRR_TTM = "nrr_ttm"
GRR_TTM = "grr_ttm"
LOGO_RETENTION = "logo_retention"
CATEGORY = "category"
MOVEMENT = "movement"
COHORT = "cohort"
AGE = "age"
WIN_RATE = "win_rate"
