"""The baseline: bare DuckDB SQL computing the same assignments and ARR bridge as segmint.

This is the engine's own limit for the work segmint does on the demo company: read the Parquet
files, turn employee text into a number, map country and industry text through the same lookup
data segmint uses, band, group and apply the demo project's rules, and build the quarterly ARR
bridge per segment, with industry and country filled from the nearest parent as segmint
does by default. It is deliberately minimal: no rejects table, no row accounting, no
outputs written, and value parsing only as far as the demo data needs it (ranges such as
'51-200', open ranges such as '10,000+', grouped thousands, junk text). It must still give
the same answer, which `compare` checks against segmint's own output.

The SQL mirrors the demo project (`segmint.config.starter.DEMO`); if that changes, change
this too (the agreement check will say so).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from segmint.enrich import geography, industry


def _lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Register segmint's lookup data (country and industry aliases, NAICS codes) as tables."""
    aliases = geography.country_aliases()
    regions = geography.region_by_country()
    countries = pa.table({"key": list(aliases), "region": [regions[c] for c in aliases.values()]})
    industries = industry.industry_aliases()
    inds = pa.table({"key": list(industries), "code": list(industries.values())})
    codes = pa.table({"code": sorted(industry._valid_codes())})
    for name, table in (("lk_country", countries), ("lk_industry", inds), ("lk_code", codes)):
        con.register(f"{name}_arrow", table)
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")


# the same key segmint joins on: lower case, separator runs to one space, trimmed
_SEPARATORS = geography._SEPARATOR_RUN.replace("'", "''")


def _key(column: str) -> str:
    return (f"nullif(regexp_replace(regexp_replace(lower({column}), '{_SEPARATORS}', ' ', 'g'), "
            f"'^ | $', '', 'g'), '')")


def _number(text: str) -> str:
    plain = f"replace({text}, ',', '')"
    return f"""CASE
        WHEN regexp_full_match({text}, '[0-9][0-9,]*(\\.[0-9]+)?') THEN TRY_CAST({plain} AS DOUBLE)
        WHEN regexp_full_match({text}, '[0-9][0-9,]* *- *[0-9][0-9,]*')
          THEN (TRY_CAST(split_part({plain}, '-', 1) AS DOUBLE)
                + TRY_CAST(split_part({plain}, '-', 2) AS DOUBLE)) / 2
        WHEN regexp_full_match({text}, '[0-9][0-9,]* *\\+') THEN TRY_CAST(rtrim({plain}, ' +') AS DOUBLE)
      END"""


# the accounts as the assignments read them, straight from the CRM export
ACCOUNTS = """
  SELECT Id AS account_id, Name AS name, ParentId AS parent_id,
         {employees} AS employees_parsed,
         CASE WHEN AnnualRevenue < 0 OR AnnualRevenue > 1e12 THEN NULL
              ELSE AnnualRevenue::DOUBLE END AS annual_revenue,
         {country_key} AS country_key,
         {naics_in} AS naics_in,
         {industry_key} AS industry_key
  FROM read_parquet('{path}')
"""

# {accounts}: a query with ACCOUNTS' columns; {revenue}: a relation with the revenue file's
ASSIGN = """
CREATE TEMP TABLE base_assignments AS
WITH RECURSIVE a AS ({accounts}), e AS (
  SELECT a.* EXCLUDE (employees_parsed),
         CASE WHEN employees_parsed < 0 OR employees_parsed > 3000000 THEN NULL
              ELSE employees_parsed END AS employees,
         c.region,
         coalesce(k.code, i.code) AS naics
  FROM a
  LEFT JOIN lk_country c ON c.key = a.country_key
  LEFT JOIN lk_code k ON k.code = a.naics_in
  LEFT JOIN lk_industry i ON i.key = a.industry_key
), walk AS (  -- up to 8 levels of parents, stopping at a cycle, as segmint walks them
  SELECT account_id AS self, parent_id AS cursor, 1 AS depth FROM e WHERE parent_id IS NOT NULL
  UNION ALL
  SELECT w.self, p.parent_id, w.depth + 1 FROM walk w JOIN e p ON p.account_id = w.cursor
  WHERE w.depth < 8 AND p.parent_id IS NOT NULL AND p.parent_id <> w.self
), found AS (  -- the nearest ancestor's own industry and country (segmint's default inheritance)
  SELECT w.self,
    arg_min(p.naics, w.depth) FILTER (WHERE p.naics IS NOT NULL) AS naics,
    arg_min(p.region, w.depth) FILTER (WHERE p.region IS NOT NULL) AS region
  FROM walk w JOIN e p ON p.account_id = w.cursor GROUP BY w.self
), f AS (
  SELECT e.* REPLACE (coalesce(e.naics, found.naics) AS naics,
                      coalesce(e.region, found.region) AS region)
  FROM e LEFT JOIN found ON found.self = e.account_id
), latest AS (
  SELECT account_id, sum(mrr) AS mrr, list_sort(list(DISTINCT product) FILTER (WHERE mrr > 0 AND product IS NOT NULL)) AS products
  FROM {revenue}
  WHERE month = (SELECT max(month) FROM {revenue}) AND mrr >= 0
  GROUP BY account_id
), d AS (
  SELECT f.*,
    CASE WHEN employees IS NULL THEN NULL WHEN employees < 200 THEN 'SMB'
         WHEN employees < 2000 THEN 'Mid-Market' ELSE 'Enterprise' END AS size,
    CASE WHEN naics IS NULL THEN NULL
         WHEN naics LIKE '5415%' OR naics LIKE '5182%' THEN 'Technology'
         WHEN naics LIKE '52%' THEN 'Financial Services'
         WHEN naics LIKE '62%' THEN 'Healthcare'
         WHEN naics LIKE '51%' THEN 'Technology'
         WHEN naics LIKE '92%' OR naics LIKE '61%' THEN 'Public Sector'
         WHEN left(naics, 2) IN ('31', '32', '33', '23', '48', '49', '22') THEN 'Industrial'
         ELSE 'Other' END AS sector,
    coalesce(l.products, []::VARCHAR[]) AS products,
    coalesce(l.mrr, 0) > 0 AS is_customer,
    round(coalesce(l.mrr, 0) * 12, 2) AS arr
  FROM f LEFT JOIN latest l USING (account_id)
)
SELECT account_id, name, size, region, sector, products,
  CASE WHEN employees >= 20000 OR annual_revenue >= 5000000000 THEN 'Strategic'
       WHEN sector = 'Public Sector' AND employees >= 200 THEN 'Public Sector'
       ELSE coalesce(size || '-' || region, 'Unassigned') END AS segment,
  is_customer, arr
FROM d
"""

BRIDGE = """
CREATE TEMP TABLE base_bridge AS
WITH rev AS (
  SELECT account_id, month, product, mrr FROM {revenue}
  WHERE mrr >= 0 AND account_id IN (SELECT account_id FROM base_assignments)
), bounds AS (
  SELECT (year(max(month)) * 12 + month(max(month)) - 1) // 3 AS hi,
         (year(min(month)) * 12 + month(min(month)) - 1) // 3 AS lo, max(month) AS mx FROM rev
), snap AS (
  SELECT account_id, product, (year(month) * 12 + month(month) - 1) // 3 AS q,
         round(sum(mrr) * 1200)::BIGINT AS cents
  FROM rev, bounds WHERE month(month) % 3 = 0 OR month = mx
  GROUP BY ALL HAVING cents > 0
), lines AS (
  SELECT account_id, product, q, sum(c) AS c, sum(o) AS o, sum(a) AS a FROM (
    SELECT account_id, product, q, cents AS c, 0 AS o, 0 AS a FROM snap
    UNION ALL SELECT account_id, product, q + 1, 0, cents, 0 FROM snap
    UNION ALL SELECT account_id, product, q + 4, 0, 0, cents FROM snap
  ) JOIN bounds ON q <= hi GROUP BY ALL
), per_q AS (
  SELECT account_id, q, sum(o) AS ao, sum(c) AS ac FROM lines GROUP BY ALL
), firsts AS (
  SELECT account_id, min(q) AS first_q FROM lines WHERE c > 0 GROUP BY ALL
), w AS (
  SELECT lines.*, ao, ac, first_q
  FROM lines JOIN per_q USING (account_id, q) LEFT JOIN firsts USING (account_id)
), acct AS (
  SELECT account_id, q, sum(o) AS opening, sum(c) AS closing,
    sum(CASE WHEN ao = 0 AND ac > 0 AND q = first_q THEN c ELSE 0 END) AS new_logo,
    sum(CASE WHEN ao > 0 AND ac > 0 AND o > 0 AND c > o THEN c - o ELSE 0 END) AS expansion,
    sum(CASE WHEN ao > 0 AND ac > 0 AND o = 0 THEN c ELSE 0 END) AS cross_sell,
    sum(CASE WHEN ao > 0 AND ac > 0 AND o > 0 AND c < o THEN c - o ELSE 0 END) AS contraction,
    sum(CASE WHEN ao > 0 AND ac = 0 THEN -o ELSE 0 END) AS churn,
    sum(CASE WHEN ao = 0 AND ac > 0 AND q > first_q THEN c ELSE 0 END) AS reactivation
  FROM w GROUP BY ALL
), seg AS (
  SELECT coalesce(s.segment, 'Unassigned') AS segment, acct.* EXCLUDE (account_id)
  FROM acct LEFT JOIN base_assignments s USING (account_id)
), per AS (
  SELECT segment, q, sum(opening) AS opening, sum(new_logo) AS new_logo,
    sum(expansion) AS expansion, sum(cross_sell) AS cross_sell,
    sum(contraction) AS contraction, sum(churn) AS churn, sum(reactivation) AS reactivation,
    sum(closing) AS closing, count(*) FILTER (WHERE closing > 0) AS closing_logos
  FROM seg GROUP BY ALL
), grid AS (
  SELECT segment, q FROM (SELECT DISTINCT segment FROM base_assignments), bounds,
         range(bounds.lo, bounds.hi + 1) AS r(q)
), rows AS (
  SELECT grid.segment, grid.q, COLUMNS(per.* EXCLUDE (segment, q))
  FROM grid LEFT JOIN per USING (segment, q)
)
SELECT * FROM rows
UNION ALL
SELECT 'All', q, sum(COLUMNS(* EXCLUDE (segment, q))) FROM rows GROUP BY q
"""


def naics_code(column: str) -> str:
    """A NAICS code as the lookup reads it: white space taken out; empty is none."""
    return f"nullif(regexp_replace({column}, '\\s+', '', 'g'), '')"


def assign_and_bridge(con: duckdb.DuckDBPyConnection, accounts: str, revenue: str) -> dict[str, object]:
    """The assignments and the bridge from `accounts` (a query with ACCOUNTS' columns) and
    `revenue` (a relation with the revenue file's columns): segments and closing cents."""
    _lookups(con)
    con.execute(ASSIGN.format(accounts=accounts, revenue=revenue))
    con.execute(BRIDGE.format(revenue=revenue))
    segments = dict(con.execute(
        "SELECT segment, count(*) FROM base_assignments GROUP BY ALL").fetchall())
    closing = dict(con.execute(
        "SELECT q, sum(closing) FROM base_bridge WHERE segment = 'All' GROUP BY q").fetchall())
    return {"segments": segments, "closing_cents": {int(q): int(v or 0) for q, v in closing.items()}}


def run(folder, con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Compute the assignments and the bridge for the demo company in `folder`."""
    accounts = ACCOUNTS.format(
        employees=_number("trim(NumberOfEmployees)"), country_key=_key("BillingCountry"),
        naics_in=naics_code("NaicsCode"), industry_key=_key("Industry"),
        path=folder / "accounts.parquet")
    return assign_and_bridge(con, accounts, f"read_parquet('{folder / 'revenue.parquet'}')")
