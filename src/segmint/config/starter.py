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
  transactions:  # services invoices from billing: a line per item, the invoice's id and date repeated
    path: transactions.{ext}
    columns: {{transaction_id: invoice_id, date: invoice_date}}

# EUR and GBP deals are converted to USD at the rate of their close month.
currency: {{reporting: USD, rates: fx_rates.csv}}

# Potential (what each account could spend), whitespace, share of wallet, and TAM per segment
# against US Census SUSB firm counts; lifetime value from the services invoices (BG/NBD and
# Gamma-Gamma) and the subscriptions (shifted-beta-geometric); ICP fit learnt from won and
# lost deals; customer health from usage, products and open deals; micro-segments of how
# customers buy (items, channel, frequency, ticket) from the invoices. potential_band,
# clv_band, fit_band, health_band, lifecycle_stage and micro_segment can be used in rules.
scores:
  potential: {{}}
  expected_growth: {{}}  # whitespace × the chance to grow in six months, learnt from the last six
  clv: {{}}
  micro_segment: {{}}  # over the whole base; within: [region] clusters each region apart
  fit: {{}}
  health:  # the usage export has seats used and active users, not seats bought
    points: graded  # a yellow measure earns 0 at red to 100 at green, by its value
    weights: learned  # from which measures foretold churn over the six months before
    measures:
      - {{name: active_trend, kind: trend, metric: active_users, weight: 3, green: 0.1, red: -0.4}}
      - {{name: seats_trend, kind: trend, metric: seats_used, weight: 3, green: 0.1, red: -0.4}}
      - {{name: activity, kind: ratio, metric: active_users, of: seats_used, weight: 3, green: 0.9, red: 0.5}}
      - {{name: products, kind: products, green: 2, red: 1}}
      - {{name: open_expansion, kind: open_deals, deal_types: [expansion, cross, upsell], green: 1, red: 0}}
      - {{name: renewal_due, kind: open_deals, deal_types: [renewal], within_days: 90,
         higher_is_better: false, green: 0, red: 1}}

# An action per account (protect, grow, invest, nurture, deprioritise) from fit, potential
# and health, and a coverage motion with its plays, checked against each segment's ACV.
priorities: {{}}
coverage: {{}}

# Reps each segment needs for its workload, and each segment carved into that many balanced
# territories (potential and workload within 3%), most accounts kept with their owner.
capacity: {{}}
territories: {{}}

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

# Other ways to cut the same accounts, compared with the segmentation above by
# `segmint compare`: balance, how well each separates win rates, ACV, sales cycles, NRR and
# churn, what it would move and break, and the reps it needs.
scenarios:
  region_first:  # a team per region, split once by size
    dimensions:
      region:
        kind: map
        field: country
        builtin: iso_region
      tier:
        kind: bands
        field: employees
        edges: [1000]
        labels: [Commercial, Corporate]
    segments:
      - name: Strategic
        when: employees >= 20000 or annual_revenue >= 5000000000
    default: "{{region}} {{tier}}"
  potential_bands:  # by what each account could still buy, then size
    dimensions:
      size:
        kind: bands
        field: employees
        edges: [200, 2000]
        labels: [SMB, Mid-Market, Enterprise]
      headroom:
        kind: map
        field: potential_band
        values: {{High: High potential, Medium: Medium potential, Low: Low potential}}
    segments:
      - name: Strategic
        when: employees >= 20000 or annual_revenue >= 5000000000
    default: "{{headroom}} {{size}}"

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
