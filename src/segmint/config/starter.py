"""Starter project files: the commented segmint.yaml that `init` writes, and the demo's."""

from __future__ import annotations

STARTER = """\
# segmint project file. Paths are relative to this file.
# Docs: every key is explained in the README (section "The project file").
name: My company

# duckdb runs embedded on this machine; nothing to install or start.
engine: duckdb

sources:
  # Only accounts is required. preset: salesforce reads a Salesforce Account export
  # (Id, Name, Industry, NumberOfEmployees, AnnualRevenue, BillingCountry, ...);
  # preset: hubspot reads a HubSpot companies export. Map other columns by hand:
  #   columns: {employees: Headcount, country: HQ Country}
  accounts:
    path: accounts.csv
    preset: salesforce
  # deals:                # a Salesforce Opportunity export
  #   path: opportunities.csv
  #   preset: salesforce
  # revenue:              # monthly recurring revenue per account (and product)
  #   path: revenue.csv
  #   columns: {account_id: account_id, period: month, product: product, mrr: mrr}

segmentation:
  dimensions:
    # Bands: edges [200, 2000] give <200, 200 to 1,999, and 2,000 or more
    # (a value equal to an edge goes to the band above it).
    size:
      kind: bands
      field: employees
      edges: [200, 2000]
      labels: [SMB, Mid-Market, Enterprise]
    # The built-in map from ISO country to North America, LATAM, EMEA, APAC.
    region:
      kind: map
      field: country
      builtin: iso_region
    # Sector groups by NAICS prefix; the longest matching prefix wins.
    sector:
      kind: sector
      groups:
        Financial Services: ["52"]
        Healthcare: ["62"]
        Technology: ["51", "5415"]
      default: Other
  # Rules, in order: the first one that matches names the segment.
  # Rules use dimension names and account columns: and, or, not, ==, !=, <, <=, >, >=,
  # in [..], is null, is not null, + - * /.
  segments:
    - name: Strategic
      when: employees >= 20000
  # Accounts no rule matches are named from their dimensions; an account missing a
  # dimension it needs is Unassigned, with the missing field as the reason.
  default: "{size}-{region}"

outputs:
  dir: segmint-out
  formats: [parquet, csv]
  report: true
"""

DEMO = """\
# segmint project for the demo company, written by `segmint demo`.
name: Demo Company
engine: duckdb

sources:
  accounts:
    path: accounts.{ext}
    preset: salesforce
  deals:
    path: opportunities.{ext}
    preset: salesforce
    columns: {{product: Product__c}}
  revenue:
    path: revenue.{ext}
    columns: {{account_id: account_id, period: month, product: product, mrr: mrr}}
  usage:
    path: usage.{ext}
  owners:  # a Salesforce User export; capacity is a custom field
    path: owners.{ext}
    preset: salesforce
    columns: {{capacity_hours: Capacity_Hours__c}}

# EUR and GBP deals are converted to USD at the rate of their close month.
currency: {{reporting: USD, rates: fx_rates.csv}}

# Potential (what each account could spend), whitespace, share of wallet, and TAM per segment
# against US Census SUSB firm counts; potential_band can be used in rules.
scores: {{potential: {{}}}}

segmentation:
  dimensions:
    size:
      kind: bands
      field: employees
      edges: [200, 2000]
      labels: [SMB, Mid-Market, Enterprise]
    region:
      kind: map
      field: country
      builtin: iso_region
    sector:
      kind: sector
      groups:
        Financial Services: ["52"]
        Healthcare: ["62"]
        Technology: ["51", "5415", "5182"]
        Public Sector: ["92", "61"]
        Industrial: ["31", "32", "33", "23", "48", "49", "22"]
      default: Other
    products:
      kind: products
  segments:
    - name: Strategic
      when: employees >= 20000 or annual_revenue >= 5000000000
    - name: Public Sector
      when: sector == "Public Sector" and employees >= 200
  default: "{{size}}-{{region}}"

outputs:
  dir: segmint-out
  formats: [parquet, csv]
  report: true
"""


def demo_project(file_format: str = "csv") -> str:
    """The demo company's segmint.yaml for data written as `file_format`.

    Examples
    --------
    >>> "accounts.parquet" in demo_project("parquet")
    True
    >>> "rates: fx_rates.csv" in demo_project("parquet")  # the rates stay CSV
    True
    """
    return DEMO.format(ext=file_format)
