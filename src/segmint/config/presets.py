"""Column presets: how Salesforce, HubSpot, Dynamics and Pipedrive exports name the canonical columns."""

from __future__ import annotations

import re

from segmint import tables as t
from segmint.exceptions import ConfigError, closest_hint

# Each canonical column lists the headers an export may use for it, most specific first.
# Headers are compared after `header_key` (case, spaces and punctuation ignored), so
# "NumberOfEmployees", "Number of Employees" and "number_of_employees" all match.
PRESETS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "salesforce": {
        "accounts": {
            t.ACCOUNT_ID: ("Id", "Account ID"),
            t.NAME: ("Name", "Account Name"),
            t.DOMAIN: ("Website", "Account Website"),
            t.PARENT_ID: ("ParentId", "Parent Account ID", "Parent ID"),
            t.INDUSTRY: ("Industry",),
            t.NAICS: ("NaicsCode", "NAICS Code"),
            t.EMPLOYEES: ("NumberOfEmployees", "Employees"),
            t.ANNUAL_REVENUE: ("AnnualRevenue", "Annual Revenue"),
            t.COUNTRY: ("BillingCountry", "Billing Country"),
            t.STATE: ("BillingState", "Billing State/Province"),
            t.POSTAL_CODE: ("BillingPostalCode", "Billing Zip/Postal Code"),
            t.CITY: ("BillingCity", "Billing City"),
            t.LATITUDE: ("BillingLatitude", "Billing Latitude"),
            t.LONGITUDE: ("BillingLongitude", "Billing Longitude"),
            t.OWNER_ID: ("OwnerId", "Account Owner ID", "Owner ID", "Account Owner"),
            t.ACCOUNT_TYPE: ("Type", "Account Type"),
            t.CREATED_DATE: ("CreatedDate", "Created Date"),
        },
        "deals": {
            t.DEAL_ID: ("Id", "Opportunity ID"),
            t.ACCOUNT_ID: ("AccountId", "Account ID"),
            t.NAME: ("Name", "Opportunity Name"),
            t.AMOUNT: ("Amount",),
            t.CURRENCY: ("CurrencyIsoCode", "Opportunity Currency"),
            t.CLOSE_DATE: ("CloseDate", "Close Date"),
            t.CREATED_DATE: ("CreatedDate", "Created Date"),
            t.STAGE: ("StageName", "Stage", "Stage Name"),
            t.IS_WON: ("IsWon", "Won"),
            t.IS_CLOSED: ("IsClosed", "Closed"),
            t.DEAL_TYPE: ("Type", "Opportunity Type"),
            t.LEAD_SOURCE: ("LeadSource", "Lead Source"),
            t.OWNER_ID: ("OwnerId", "Opportunity Owner ID", "Owner ID", "Opportunity Owner"),
            t.PROBABILITY: ("Probability", "Probability (%)"),  # 0-100
        },
        # The User object: Data Loader / Workbench API names, then the labels of a users report.
        # Salesforce has no standard region, start date or capacity on a user: Region__c (or
        # the standard Division) stands in for the region, the user's CreatedDate for the start
        # date unless the export has a Start Date; capacity is mapped under columns:.
        "owners": {
            t.OWNER_ID: ("Id", "User ID"),
            t.NAME: ("Name", "Full Name"),  # else FirstName + LastName (COMPOSED)
            t.EMAIL: ("Email",),
            t.ROLE: ("UserRole.Name", "Role", "Role Name", "Title", "UserRoleId", "Role ID"),
            t.REGION: ("Region__c", "Region", "Division"),
            t.CAPACITY_HOURS: ("Capacity Hours",),
            t.CAPACITY_ACCOUNTS: ("Capacity Accounts",),
            t.START_DATE: ("Start Date", "CreatedDate", "Created Date"),
            t.ACTIVE: ("IsActive", "Active"),
        },
    },
    "hubspot": {
        "accounts": {
            t.ACCOUNT_ID: ("Record ID", "hs_object_id", "Company ID", "company_id", "id"),
            t.NAME: ("Company name", "name"),
            t.DOMAIN: ("Company Domain Name", "domain", "Website URL", "website"),
            t.PARENT_ID: ("Parent Company ID", "hs_parent_company_id", "Parent Company"),
            t.INDUSTRY: ("Industry", "industry"),
            t.EMPLOYEES: ("Number of Employees", "numberofemployees"),
            t.ANNUAL_REVENUE: ("Annual Revenue", "annualrevenue"),
            t.COUNTRY: ("Country/Region", "country"),
            t.STATE: ("State/Region", "state"),
            t.POSTAL_CODE: ("Postal Code", "zip"),
            t.CITY: ("City", "city"),
            t.OWNER_ID: ("Company owner", "hubspot_owner_id", "owner_id"),
            t.ACCOUNT_TYPE: ("Lifecycle Stage", "lifecyclestage", "Type", "type"),
            t.CREATED_DATE: ("Create Date", "createdate"),
        },
        "deals": {
            t.DEAL_ID: ("Record ID", "hs_object_id", "Deal ID", "deal_id", "id"),
            t.ACCOUNT_ID: (
                "Associated Company IDs (Primary)",
                "Associated Company ID (Primary)",
                "Associated Company IDs",
                "associatedcompanyid",
                "associations_companies",
                "company_id",
            ),
            t.NAME: ("Deal Name", "dealname"),
            t.AMOUNT: ("Amount", "amount"),
            t.CURRENCY: ("Currency", "deal_currency_code"),
            t.CLOSE_DATE: ("Close Date", "closedate"),
            t.CREATED_DATE: ("Create Date", "createdate"),
            t.STAGE: ("Deal Stage", "dealstage", "deal_pipeline_stage_id"),
            t.IS_WON: ("Is Closed Won", "hs_is_closed_won"),
            t.IS_CLOSED: ("Is Deal Closed?", "hs_is_closed"),
            t.DEAL_TYPE: ("Deal Type", "dealtype"),
            t.LEAD_SOURCE: ("Original Source Type", "hs_analytics_source"),
            t.OWNER_ID: ("Deal owner", "hubspot_owner_id", "owner_id"),
            t.PROBABILITY: ("Deal probability", "hs_deal_stage_probability"),  # 0-1
        },
        # Settings > Users & Teams > Export users. HubSpot documents what the file holds (user
        # ID, first and last name, email address, last login date, assigned teams, assigned
        # role, permissions) but not its exact headers; those below are our best reading, and
        # headers match ignoring case and punctuation. That export has the *user* ID, which is
        # not the owner ID records carry (hubspot_owner_id): owners are therefore also matched
        # to accounts by email and name (`enrich.owners.link_owners`). The owners API and its
        # connectors (id, email, firstName, lastName; Fivetran's owner_id, is_active) give the
        # owner ID. HubSpot has no region on a user: the team stands in. Whether deactivated
        # users are in the Users & Teams export is not documented; the API's `archived` (the
        # opposite of active) is not read as `active`.
        "owners": {
            t.OWNER_ID: ("Owner ID", "owner_id", "id", "User ID", "user_id"),
            t.NAME: ("Full Name", "Name"),  # none in HubSpot's exports: First + Last (COMPOSED)
            t.EMAIL: ("Email", "Email address"),
            t.ROLE: ("Role", "Assigned role", "Job title"),
            t.REGION: ("Primary team", "Team", "Teams", "Assigned teams"),
            t.CAPACITY_HOURS: ("Capacity Hours",),
            t.CAPACITY_ACCOUNTS: ("Capacity Accounts",),
            t.START_DATE: ("Created At", "created_at"),
            t.ACTIVE: ("Active", "is_active"),
        },
    },
    # Dynamics 365 Sales: the display names of an "Export to Excel" (saved as CSV), then the
    # Dataverse logical names of an API or Power Query export. Excel exports carry the record's
    # GUID as "(Do Not Modify) Account". Lookups such as Parent Account or Potential Customer
    # are exported as the related record's *name*; `segmint init --from` says so when it maps one.
    "dynamics": {
        "accounts": {
            t.ACCOUNT_ID: ("(Do Not Modify) Account", "accountid", "Account ID"),
            t.NAME: ("Account Name", "name"),
            t.DOMAIN: ("Website", "websiteurl"),
            t.PARENT_ID: ("Parent Account", "parentaccountid", "_parentaccountid_value"),
            t.INDUSTRY: ("Industry", "industrycode"),
            t.EMPLOYEES: ("Number of Employees", "numberofemployees"),
            t.ANNUAL_REVENUE: ("Annual Revenue", "revenue"),
            t.COUNTRY: ("Address 1: Country/Region", "Address 1: Country", "address1_country"),
            t.STATE: ("Address 1: State/Province", "address1_stateorprovince"),
            t.POSTAL_CODE: ("Address 1: ZIP/Postal Code", "address1_postalcode"),
            t.CITY: ("Address 1: City", "address1_city"),
            t.LATITUDE: ("Address 1: Latitude", "address1_latitude"),
            t.LONGITUDE: ("Address 1: Longitude", "address1_longitude"),
            t.OWNER_ID: ("Owner", "ownerid", "_ownerid_value"),
            t.ACCOUNT_TYPE: ("Relationship Type", "customertypecode"),
            t.CREATED_DATE: ("Created On", "createdon"),
        },
        "deals": {
            t.DEAL_ID: ("(Do Not Modify) Opportunity", "opportunityid", "Opportunity ID"),
            t.ACCOUNT_ID: ("(Do Not Modify) Account", "Account", "Potential Customer",
                           "parentaccountid", "_parentaccountid_value", "customerid",
                           "_customerid_value"),
            t.NAME: ("Topic", "name"),
            t.AMOUNT: ("Est. Revenue", "estimatedvalue", "Actual Revenue", "actualvalue"),
            t.CURRENCY: ("Currency", "transactioncurrencyid"),
            t.CLOSE_DATE: ("Est. Close Date", "estimatedclosedate", "Actual Close Date",
                           "actualclosedate"),
            t.CREATED_DATE: ("Created On", "createdon"),
            t.STAGE: ("Sales Stage", "salesstage", "stepname", "Pipeline Phase"),
            # no IsWon or IsClosed: both come from the Status (Open, Won, Lost; statecode 0-2)
            t.IS_WON: ("Status", "statecode"),
            t.IS_CLOSED: ("Status", "statecode"),
            t.LEAD_SOURCE: ("Source Campaign",),
            t.OWNER_ID: ("Owner", "ownerid", "_ownerid_value"),
            t.PROBABILITY: ("Probability", "closeprobability"),  # 0-100
        },
    },
    # Pipedrive's "Export data" (CSV or from a list view): each header is prefixed with its
    # item ("Organization - Name", "Deal - Value"; a related item's fields keep theirs:
    # "Organization - ID" in a deals export), address parts as "Address - <part>". Lookups are
    # exported as names: a deal's Organization is the organization's name (`segmint init`
    # then keys accounts by name) and owners are users' names. A deal's outcome is its Status
    # (Open, Won, Lost); its Stage is the pipeline stage, never won or lost. Employees,
    # revenue and industry are the organization fields Pipedrive offers (or custom fields of
    # those names). The unprefixed names are those of an API or connector export.
    "pipedrive": {
        "accounts": {
            t.ACCOUNT_ID: ("Organization - ID", "org_id", "id"),
            t.NAME: ("Organization - Name", "name"),
            t.DOMAIN: ("Organization - Website", "website"),
            t.INDUSTRY: ("Organization - Industry", "industry"),
            t.EMPLOYEES: ("Organization - Number of employees", "Organization - Employee count",
                          "employee_count"),
            t.ANNUAL_REVENUE: ("Organization - Annual revenue", "annual_revenue"),
            t.COUNTRY: ("Organization - Address - Country", "address_country"),
            t.STATE: ("Organization - Address - State/County", "address_admin_area_level_1"),
            t.POSTAL_CODE: ("Organization - Address - ZIP/Postal code", "address_postal_code"),
            t.CITY: ("Organization - Address - City/town/village/locality", "address_locality"),
            t.OWNER_ID: ("Organization - Owner", "owner_name", "owner_id"),
            t.ACCOUNT_TYPE: ("Organization - Label", "label"),
            t.CREATED_DATE: ("Organization - Organization created", "add_time"),
        },
        "deals": {
            t.DEAL_ID: ("Deal - ID", "id"),
            t.ACCOUNT_ID: ("Organization - ID", "Deal - Organization ID", "org_id",
                           "Deal - Organization", "org_name"),
            t.NAME: ("Deal - Title", "title"),
            t.AMOUNT: ("Deal - Value", "value"),
            t.CURRENCY: ("Deal - Currency", "currency"),
            # the day it was won or lost; an open deal's expected day only when neither is there
            t.CLOSE_DATE: ("Deal - Deal closed on", "close_time", "Deal - Expected close date",
                           "expected_close_date"),
            t.CREATED_DATE: ("Deal - Deal created", "add_time"),
            t.STAGE: ("Deal - Stage", "stage_name"),
            t.IS_WON: ("Deal - Status", "status"),  # open, won, lost
            t.IS_CLOSED: ("Deal - Status", "status"),
            t.LEAD_SOURCE: ("Deal - Source origin", "Deal - Source channel", "origin"),
            t.OWNER_ID: ("Deal - Owner", "owner_name", "user_id"),
            t.PROBABILITY: ("Deal - Probability", "probability"),  # 0-100
        },
    },
}

# Connector layouts (Fivetran, Airbyte, Stitch) prefix HubSpot properties: property_dealname.
# The prefix is ignored when matching; a header without it wins if both are present.
PREFIXES: dict[str, tuple[str, ...]] = {"hubspot": ("property_", "properties_", "properties.")}

# Columns whose values follow a CRM's own rules, by preset: validation reads them with the
# parser of that kind (`validate.parsers.crm.PARSERS`) instead of as plain strings.
VALUE_KINDS: dict[str, dict[str, str]] = {
    "salesforce": {t.ACCOUNT_ID: "salesforce_id", t.DEAL_ID: "salesforce_id",
                   t.PARENT_ID: "salesforce_id", t.OWNER_ID: "owner"},
    "hubspot": {t.ACCOUNT_ID: "hubspot_id", t.DEAL_ID: "hubspot_id",
                t.PARENT_ID: "hubspot_id", t.OWNER_ID: "owner"},
    "dynamics": {t.OWNER_ID: "owner", t.IS_WON: "dynamics_won", t.IS_CLOSED: "dynamics_closed"},
    # Pipedrive's Status reads as Dynamics' does: Open, Won, Lost
    "pipedrive": {t.OWNER_ID: "owner", t.IS_WON: "dynamics_won", t.IS_CLOSED: "dynamics_closed"},
}
# Where a table reads a column otherwise: an owners export's owner_id is the user's record id
# (widened to 18 characters like any Salesforce id), not a reference that may carry a status.
TABLE_VALUE_KINDS: dict[str, dict[str, dict[str, str]]] = {
    "salesforce": {"owners": {t.OWNER_ID: "salesforce_id"}},
    "hubspot": {"owners": {t.OWNER_ID: "hubspot_id"}},
}

# Canonical columns an export spreads over several headers, by preset and table: the parts
# are joined with a space (blank parts left out) when the export has no header of its own for
# the column. User exports give a first and a last name; some give no full name.
COMPOSED: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "salesforce": {"owners": {t.NAME: ("FirstName", "LastName")}},
    "hubspot": {"owners": {t.NAME: ("First Name", "Last Name")}},
}


# Columns a CRM exports as ';'-separated lists (HubSpot's multiple-checkbox properties), by
# preset and table, as headers: validation splits them into lists (`validate.parsers.parse_list`)
# that rules can test with `"x" in column`. Salesforce multi-select picklists are custom fields,
# so they are named in segmint.yaml (`multi_value:`), as any other column can be.
MULTI_VALUE: dict[str, dict[str, tuple[str, ...]]] = {
    "hubspot": {
        "accounts": ("Merged Company IDs", "hs_merged_object_ids"),
        "deals": ("Deal tags", "hs_tag_ids", "Deal collaborator", "hs_all_collaborator_owner_ids",
                  "Merged Deal IDs", "hs_merged_object_ids"),
    },
}


def header_key(header: str) -> str:
    """Compare headers ignoring case, spaces and punctuation.

    Examples
    --------
    >>> header_key("Number of Employees") == header_key("numberOfEmployees")
    True
    >>> header_key("Is Deal Closed?")
    'isdealclosed'
    """
    return re.sub(r"[^0-9a-z]", "", header.casefold())


def preset_columns(preset: str, table: str, headers: list[str]) -> dict[str, str]:
    """The canonical → source-header mapping a preset finds among `headers`.

    Canonical columns whose headers are absent are left out; the caller decides whether
    a missing column matters.

    Examples
    --------
    >>> preset_columns("salesforce", "accounts", ["Id", "Name", "NumberOfEmployees"])
    {'account_id': 'Id', 'name': 'Name', 'employees': 'NumberOfEmployees'}
    >>> preset_columns("hubspot", "accounts", ["Record ID", "Company name"])
    {'account_id': 'Record ID', 'name': 'Company name'}
    """
    if preset not in PRESETS:
        raise ConfigError(f"Unknown preset {preset!r}. {closest_hint(preset, PRESETS)}")
    if table not in PRESETS[preset]:
        known = ", ".join(PRESETS[preset])
        raise ConfigError(
            f"Preset {preset!r} has no mapping for the {table} table (it maps {known}). "
            f"Map the columns of {table} under sources.{table}.columns instead."
        )
    by_key = _headers_by_key(preset, headers)
    found: dict[str, str] = {}
    for canonical, candidates in PRESETS[preset][table].items():
        for candidate in candidates:
            if header_key(candidate) in by_key:
                found[canonical] = by_key[header_key(candidate)]
                break
    return found


def _headers_by_key(preset: str, headers: list[str]) -> dict[str, str]:
    """`header_key` → header; a connector's prefix is ignored, a header without it wins."""
    by_key = {}
    for prefix in PREFIXES.get(preset, ()):
        by_key |= {header_key(h[len(prefix):]): h for h in reversed(headers)
                   if h.casefold().startswith(prefix)}
    by_key |= {header_key(h): h for h in reversed(headers)}  # first header wins on a clash
    return by_key


def multi_value_headers(preset: str | None, table: str, headers: list[str]) -> list[str]:
    """The headers among `headers` that a preset knows to hold ``;``-separated lists.

    Examples
    --------
    >>> multi_value_headers("hubspot", "deals", ["hs_object_id", "property_hs_tag_ids"])
    ['property_hs_tag_ids']
    >>> multi_value_headers("salesforce", "deals", ["Id", "Products__c"])
    []
    """
    declared = MULTI_VALUE.get(preset or "", {}).get(table, ())
    by_key = _headers_by_key(preset or "", headers)
    return list(dict.fromkeys(by_key[header_key(h)] for h in declared if header_key(h) in by_key))


def value_kinds(preset: str | None, mapping: dict[str, str],
                table: str | None = None) -> dict[str, str]:
    """The CRM value kind of each mapped column a preset knows (canonical column → kind).

    Examples
    --------
    >>> value_kinds("salesforce", {"account_id": "Id", "name": "Name", "owner_id": "OwnerId"})
    {'account_id': 'salesforce_id', 'owner_id': 'owner'}
    >>> value_kinds("salesforce", {"owner_id": "Id"}, table="owners")
    {'owner_id': 'salesforce_id'}
    >>> value_kinds(None, {"account_id": "id"})
    {}
    """
    kinds = VALUE_KINDS.get(preset or "", {}) | TABLE_VALUE_KINDS.get(preset or "", {}).get(
        table or "", {})
    return {column: kinds[column] for column in mapping if column in kinds}


# Unmapped columns a preset knows to hold lookups by the header's shape: Salesforce names a
# lookup field ``...Id`` (API: ``MasterRecordId``, ``CreatedById``), ``... ID`` (report labels:
# ``Parent Account ID``) or, for a custom lookup, ``...__c``. Their empty lookups are written
# as the all-zero id, which loading reads as blank; other values are kept exactly as written
# (an unmapped column may hold another system's ids, so none is widened or re-cased).
LOOKUP_HEADERS: dict[str, re.Pattern[str]] = {
    "salesforce": re.compile(r"(?:[a-z0-9_ ]Id|[ _]ID|__c)$"),
}


def attribute_value_kinds(preset: str | None, attributes: dict[str, str]) -> dict[str, str]:
    """The CRM value kind of each unmapped column a preset reads by its header's shape
    (`LOOKUP_HEADERS`), as column name → kind; `attributes` is header → column name.

    Examples
    --------
    >>> attribute_value_kinds("salesforce", {"MasterRecordId": "masterrecordid",
    ...     "Partner_Account__c": "partner_account__c", "Primary Campaign Source ID":
    ...     "primary_campaign_source_id", "Tier": "tier", "Paid": "paid"})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'masterrecordid': 'salesforce_lookup', 'partner_account__c': 'salesforce_lookup',
     'primary_campaign_source_id': 'salesforce_lookup'}
    >>> attribute_value_kinds("hubspot", {"Parent Company ID": "parent_company_id"})
    {}
    """
    pattern = LOOKUP_HEADERS.get(preset or "")
    if pattern is None:
        return {}
    return {name: "salesforce_lookup" for header, name in attributes.items()
            if pattern.search(header)}


def composed_columns(preset: str | None, table: str, headers: list[str],
                     mapped: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """The canonical columns a preset builds from several headers (`COMPOSED`), as headers.

    Only columns not already `mapped` and whose every part is among `headers`.

    Examples
    --------
    >>> composed_columns("salesforce", "owners", ["Id", "FirstName", "LastName"], {"owner_id": "Id"})
    {'name': ('FirstName', 'LastName')}
    >>> composed_columns("salesforce", "owners", ["Id", "Name", "FirstName", "LastName"],
    ...                  {"owner_id": "Id", "name": "Name"})
    {}
    """
    by_key = _headers_by_key(preset or "", headers)
    found = {}
    for canonical, parts in COMPOSED.get(preset or "", {}).get(table, {}).items():
        if canonical not in mapped and all(header_key(p) in by_key for p in parts):
            found[canonical] = tuple(by_key[header_key(p)] for p in parts)
    return found
