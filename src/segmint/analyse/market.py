"""Market: TAM, SAM and penetration per segment, bottom-up from firm counts and account potential.

The market universe is the company's accounts plus the firms of a ``market`` table (firms per
NAICS × employee-size class, × geography when given; US Census SUSB 2022 by default) that are
not accounts yet. Each cell of the table becomes an account-like row for its typical firm (the
cell's employment ÷ firms, its sector and its geography), is scored by the same models and
placed by the same segmentation as an account; a cell the rules cannot place is counted under
Unassigned. Then, per segment:

- TAM = Σ potential of its accounts + Σ over its cells of firms not yet accounts × potential
  of the typical firm; ``tam_low`` and ``tam_high`` do the same at the potential model's lower
  and upper quantiles (``scores.potential.range``);
- SAM = the same over the accounts and cells that the ``scores.potential.sam`` rule keeps;
- penetration = ARR / TAM, and SAM penetration = ARR in SAM / SAM.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint import tables as t
from segmint.money import money_text, sum_to_the_cent
from segmint.analyse.registry import analysis
from segmint.context import RunContext
from segmint.exceptions import RuleError
from segmint.enrich.geography import attach_geography
from segmint.enrich.industry import attach_industry, susb_us_naics_size
from segmint.score.registry import SCORES
from segmint.sections import Chart, Note, Section, TableView
from segmint.segment.assign import assign
from segmint.segment.rules import compile_rule, parse_rule

SEGMENT_MARKET, MARKET_CELLS = "segment_market", "market_cells"
MARKET_ASSUMPTIONS, TOP_WHITESPACE = "market_assumptions", "top_whitespace"
SUSB_FILE = "susb_us_naics_size.csv"
CELL_PREFIX = "market:"  # a cell's account_id: never an account's
ALL_SECTORS = "--"  # SUSB's code for a row across all sectors: a total, never a cell
IN_SAM, FIRMS_LEFT, TYPICAL = "in_sam", "firms_not_accounts", "typical_employees"
ACCOUNTS_IN_CELL = "accounts_in_cell"
TAM, TAM_LOW, TAM_HIGH, SAM = "tam", "tam_low", "tam_high", "sam"
PENETRATION, SAM_PENETRATION = "penetration", "sam_penetration"
SEGMENT_COLUMNS = (t.SEGMENT, "accounts", "customers", t.ARR, t.WHITESPACE, "accounts_potential",
                   "market_cells", "market_firms", "market_potential", TAM_LOW, TAM, TAM_HIGH,
                   SAM, PENETRATION, SAM_PENETRATION)

SECTION = Section(
    "Market: TAM, penetration and whitespace by segment", order=45, blocks=(
        Note("TAM is built bottom-up: the potential of every account, plus, for each market cell "
             "(firms of a NAICS sector and size class), the firms that are not accounts yet × "
             "the potential of the cell's typical firm, placed in a segment by the same rules as "
             "an account. Low and high use the potential model's lower and upper quantiles. "
             "Penetration is ARR ÷ TAM."),
        Chart("tam_penetration", table=SEGMENT_MARKET, empty="No segment has a TAM."),
        Chart("whitespace_by_segment", table=SEGMENT_MARKET, empty="No segment has accounts."),
        TableView(SEGMENT_MARKET, columns=(t.SEGMENT, "accounts", t.ARR, t.WHITESPACE, TAM,
                                           SAM, PENETRATION)),
        TableView(MARKET_ASSUMPTIONS, title="Assumptions"),
        TableView(TOP_WHITESPACE, title="Top whitespace accounts per segment",
                  columns=(t.SEGMENT, "rank", t.NAME, t.ARR, t.POTENTIAL, t.WHITESPACE,
                           t.SHARE_OF_WALLET)),
    ))


@analysis("market", scores=(t.POTENTIAL,), section=SECTION)
def market(context: RunContext) -> dict[str, ir.Table]:
    """TAM, SAM and penetration per segment (``segment_market``), each market cell
    (``market_cells``), what the figures assume (``market_assumptions``) and the accounts with
    the most whitespace in each segment (``top_whitespace``)."""
    settings = context.models[t.POTENTIAL].settings
    source, described = market_source(context, settings.market)
    accounts = _with_sam(context, settings.sam)
    cells = None
    facts: dict[str, float] = {}
    if source is not None:
        cells, facts = place_cells(context, source, settings.sam)
    table = segment_market(accounts, cells)
    assumptions = _assumptions(context, described, facts, table)
    return {SEGMENT_MARKET: ibis.memtable(table),
            **({MARKET_CELLS: cells} if cells is not None else {}),
            MARKET_ASSUMPTIONS: ibis.memtable(assumptions),
            TOP_WHITESPACE: top_whitespace(context.assignments, settings.top_accounts)}


def market_source(context: RunContext, default: str) -> tuple[ir.Table | None, str]:
    """The market table (``sources.market``, else the packaged SUSB unless `default` is
    ``none``) and a sentence saying which it is."""
    if "market" in context.tables:
        path = context.project.sources.market.path
        return context.tables["market"], f"sources.market ({path})"
    if default == "susb_us":
        return susb_market(), ("US Census SUSB 2022, packaged with segmint: US employer firms "
                               "by NAICS sector and enterprise size. A firm active in several "
                               "sectors counts in each (6,461,497 firms in the sectors, "
                               "6,395,635 in all)")
    return None, "none (scores.potential.market: none): TAM counts the accounts only"


def susb_market() -> ir.Table:
    """The packaged SUSB 2022 table as a canonical ``market`` table (country US), every row
    of the file with its line number, subtotals marked.

    >>> susb = susb_market().execute()
    >>> len(susb), int(susb.loc[(susb.naics == "--") & (susb.size_class == "Total"), "firms"].item())
    (532, 6395635)
    """
    frame = susb_us_naics_size()
    columns = {
        t.NAICS: frame["naics"].astype(str), t.SIZE_CLASS: frame["size_class"].astype(str),
        t.SIZE_MIN: frame["size_min_employees"].astype("float64"),
        t.SIZE_MAX: frame["size_max_employees"].astype("float64"),
        t.FIRMS: frame["firms"].astype("float64"), t.EMPLOYMENT: frame["employment"].astype("float64"),
        t.COUNTRY: "US", t.STATE: None, t.IS_SUBTOTAL: frame["is_subtotal"].astype(bool),
        t.SOURCE_FILE: SUSB_FILE, t.SOURCE_ROW: frame.index.to_numpy() + 2,  # the header is line 1
    }
    schema = {**{c: t.MARKET.columns[c] for c in t.MARKET.columns}, t.SOURCE_FILE: "string",
              t.SOURCE_ROW: "int64"}
    types = {"string": "string", "number": "float64", "boolean": "boolean"}
    return ibis.memtable(pd.DataFrame(columns),
                         schema={c: types.get(k, k) for c, k in schema.items()})


def market_cells(market: ir.Table) -> ir.Table:
    """The cells of a market table: every row but subtotals (``is_subtotal``, or the packaged
    SUSB's all-sector rows ``--``), each with an id and its typical firm's employees:
    employment ÷ firms when both are given, else the geometric middle of the size class
    (twice the lower bound when it is open-ended), within the class's bounds.

    A market file's ``--`` reads as a blank NAICS code (a cell of unknown sector), like any
    blank: its total rows must say ``is_subtotal``.

    Examples
    --------
    >>> market = ibis.memtable({"naics": ["52", "52", "--"], "size_class": ["10-19", "100+", "Total"],
    ...     "size_min_employees": [10.0, 100.0, 0.0], "size_max_employees": [19.0, None, None],
    ...     "firms": [40.0, 5.0, 45.0], "employment": [None, 2000.0, 3000.0],
    ...     "is_subtotal": [False, False, True], "_source_row": [2, 3, 4]})
    >>> cells = market_cells(market).order_by("_source_row").execute()
    >>> cells[["_cell_id", "typical_employees"]].round(3).values.tolist()
    [['market:2', 13.784], ['market:3', 400.0]]
    """
    naics = market[t.NAICS].cast("string").strip() if t.NAICS in market.columns \
        else ibis.null("string")
    subtotal = (market[t.IS_SUBTOTAL].cast("boolean").fill_null(False)
                if t.IS_SUBTOTAL in market.columns else ibis.literal(False))
    cells = market.filter(~subtotal & (naics != ALL_SECTORS).fill_null(True))
    low = cells[t.SIZE_MIN].cast("float64").clip(lower=1.0)
    high = cells[t.SIZE_MAX].cast("float64") if t.SIZE_MAX in cells.columns \
        else ibis.null("float64")
    firms = cells[t.FIRMS].cast("float64")
    employment = cells[t.EMPLOYMENT].cast("float64") if t.EMPLOYMENT in cells.columns \
        else ibis.null("float64")
    middle = ibis.ifelse(high.notnull(), (low * ibis.greatest(high, low)).sqrt(), low * 2)
    mean = ibis.ifelse((firms > 0) & (employment > 0), employment / firms, ibis.null("float64"))
    # greatest and least skip nulls: a cell without a mean takes the middle explicitly
    within = ibis.ifelse(high.notnull(), ibis.least(ibis.greatest(mean, low), high),
                         ibis.greatest(mean, low))
    return cells.mutate(_cell_id=CELL_PREFIX + cells[t.SOURCE_ROW].cast("string"),
                        **{TYPICAL: ibis.ifelse(mean.isnull(), middle, within)})


def cells_as_accounts(cells: ir.Table, schema: ibis.Schema) -> ir.Table:
    """Each cell as an account of `schema`: its typical firm's sector, employees, country and
    state normalised as accounts' are, no ARR, not a customer, the rest missing."""
    def column(name: str) -> ir.Value:
        return cells[name] if name in cells.columns else ibis.null("string")

    firms = cells.select(
        **{t.ACCOUNT_ID: cells._cell_id, t.NAICS: column(t.NAICS).cast("string"),
           t.COUNTRY: column(t.COUNTRY).cast("string"), t.STATE: column(t.STATE).cast("string"),
           t.EMPLOYEES: cells[TYPICAL]})
    firms = attach_industry(attach_geography(firms))
    given = {c: firms[c] for c in firms.columns}
    given[t.NAME] = "market cell " + firms[t.ACCOUNT_ID]
    given[t.FAMILY_ID] = firms[t.ACCOUNT_ID]
    given[t.IS_CUSTOMER] = ibis.literal(False)
    given[t.ARR] = ibis.literal(0.0)
    return firms.select(**{name: (given[name] if name in given else ibis.null()).cast(dtype)
                           for name, dtype in schema.items()})


def place_cells(context: RunContext, market: ir.Table, sam: str | None) -> tuple[ir.Table, dict]:
    """Every market cell scored by the run's models and placed in a segment, with the firms
    that are not accounts yet and its TAM, kept (``context.keep``), and the counts the
    assumptions quote."""
    score_columns = {c for name in context.models for c in SCORES[name].adds}
    schema = ibis.schema({name: dtype for name, dtype in context.accounts.schema().items()
                          if name not in score_columns})
    cells = market_cells(market)
    rows = cells_as_accounts(cells, schema)
    for model in context.models.values():  # in the order they were fitted
        rows = model.score(rows)
    placed = assign(rows, context.project.segmentation, revenue=context.tables.get("revenue"),
                    deals=context.tables.get("deals"))
    # kept: the cells' rows are read twice below (their own columns, and the accounts counted
    # in each), and Ibis writes the scoring through every model out in each: 690 kB of SQL
    placed = context.keep(placed.mutate(**{IN_SAM: _rule(placed, sam)}), "market_placed")
    counted = accounts_in_cells(context.accounts, placed, cells)
    info = cells.select(
        "_cell_id", *(c for c in (t.SIZE_CLASS, t.SIZE_MIN, t.SIZE_MAX) if c in cells.columns),
        **{t.FIRMS: cells[t.FIRMS].cast("float64")})
    joined = (placed.join(info, placed[t.ACCOUNT_ID] == info._cell_id)
              .left_join(counted, placed[t.ACCOUNT_ID] == counted._counted_cell))
    inside = joined._accounts.fill_null(0)
    left = ibis.greatest(joined[t.FIRMS] - inside, 0.0)
    shown = {
        "cell": joined[t.ACCOUNT_ID], t.NAICS: joined[t.NAICS], t.NAICS_SECTOR: joined[t.NAICS_SECTOR],
        t.SECTOR_TITLE: joined[t.SECTOR_TITLE],
        **{c: joined[c] for c in (t.SIZE_CLASS, t.SIZE_MIN, t.SIZE_MAX) if c in joined.columns},
        t.COUNTRY: joined[t.COUNTRY], t.STATE: joined[t.STATE],
        t.FIRMS: joined[t.FIRMS], ACCOUNTS_IN_CELL: inside.cast("int64"), FIRMS_LEFT: left,
        TYPICAL: joined[t.EMPLOYEES],
        t.POTENTIAL_LOW: joined[t.POTENTIAL_LOW], t.POTENTIAL: joined[t.POTENTIAL],
        t.POTENTIAL_HIGH: joined[t.POTENTIAL_HIGH],
        TAM_LOW: left * joined[t.POTENTIAL_LOW], TAM: left * joined[t.POTENTIAL],
        TAM_HIGH: left * joined[t.POTENTIAL_HIGH],
        t.SEGMENT: joined[t.SEGMENT], t.REASON: joined[t.REASON], IN_SAM: joined[IN_SAM],
    }
    # Kept before the counts are taken: scoring the cells through every model is the widest
    # plan of the run, and Spark planned and compiled it twice, once for the counts and once
    # to keep the cells (the market analysis was 64 s of the demo's 92 s of analyses on Spark).
    out = context.keep(joined.select(**shown), MARKET_CELLS)
    facts = out.aggregate(
        cells=out.count(), firms=out[t.FIRMS].sum(), firms_left=out[FIRMS_LEFT].sum(),
        accounts_in_cells=out[ACCOUNTS_IN_CELL].sum(),
        crowded=(out[ACCOUNTS_IN_CELL] > out[t.FIRMS]).cast("int64").sum(),
        unplaced=(out[t.SEGMENT] == t.UNASSIGNED).cast("int64").sum(),
        unplaced_firms=ibis.ifelse(out[t.SEGMENT] == t.UNASSIGNED, out[FIRMS_LEFT], 0.0).sum(),
        unplaced_tam=sum_to_the_cent(ibis.ifelse(out[t.SEGMENT] == t.UNASSIGNED, out[TAM], 0.0)),
    ).to_pandas().iloc[0].fillna(0).to_dict()
    facts["rows"] = int(market.count().execute())
    return out, facts


def accounts_in_cells(accounts: ir.Table, placed: ir.Table, cells: ir.Table) -> ir.Table:
    """``_counted_cell`` and ``_accounts``: the accounts of each cell's sector, size class and
    geography (a cell the market table gives no country or state takes any; one whose country
    was not recognised, none). Accounts without a sector or a headcount are in no cell."""
    mine = accounts.select(_sector=accounts[t.NAICS_SECTOR], _country=accounts[t.COUNTRY],
                           _state=accounts[t.STATE],
                           _employees=accounts[t.EMPLOYEES].cast("float64"))
    mine = mine.filter(mine._sector.notnull() & mine._employees.notnull())
    bounds = cells.select("_cell_id", _min=cells[t.SIZE_MIN].cast("float64"),
                          _max=(cells[t.SIZE_MAX].cast("float64") if t.SIZE_MAX in cells.columns
                                else ibis.null("float64")))
    raw = {name: placed[f"{name}{t.RAW_SUFFIX}"] for name in (t.COUNTRY, t.STATE)}
    where = placed.select(_cell=placed[t.ACCOUNT_ID], _cell_sector=placed[t.NAICS_SECTOR],
                          _cell_country=placed[t.COUNTRY], _cell_state=placed[t.STATE],
                          _any_country=raw[t.COUNTRY].isnull(), _any_state=raw[t.STATE].isnull())
    where = where.join(bounds, where._cell == bounds._cell_id)
    # a class written 100-149 holds every headcount below 150 (149.5 is a range's midpoint)
    fits = ((mine._sector == where._cell_sector)
            & (where._any_country | (mine._country == where._cell_country).fill_null(False))
            & (where._any_state | (mine._state == where._cell_state).fill_null(False))
            & (mine._employees >= where._min)
            & (where._max.isnull() | (mine._employees < where._max + 1)))
    matched = mine.join(where, fits)
    return matched.group_by(_counted_cell=matched._cell).aggregate(_accounts=matched.count())


def segment_market(accounts: ir.Table, cells: ir.Table | None) -> pd.DataFrame:
    """Per segment and for ``All``: accounts, ARR, whitespace, the market cells' firms and
    potential, TAM (low, point, high), SAM and penetration.

    Parameters
    ----------
    accounts : ibis.Table
        A row per account: ``segment``, ``is_customer``, ``arr``, the potential columns and
        ``in_sam``.
    cells : ibis.Table or None
        `place_cells` output; None when there is no market table.

    Examples
    --------
    Two accounts of 1,000 potential, one paying 250; a cell of 10 firms, 2 of them accounts
    already, at 500 a firm: TAM = 2,000 + 8 × 500 = 6,000, penetration 250 / 6,000.

    >>> accounts = ibis.memtable({"segment": ["SMB", "SMB"], "is_customer": [True, False],
    ...     "arr": [250.0, 0.0], "potential_low": [500.0, 500.0], "potential": [1000.0] * 2,
    ...     "potential_high": [1500.0] * 2, "whitespace": [750.0, 1000.0], "in_sam": [True] * 2})
    >>> cells = ibis.memtable({"segment": ["SMB"], "firms_not_accounts": [8.0],
    ...     "tam_low": [2000.0], "tam": [4000.0], "tam_high": [6000.0], "in_sam": [False]})
    >>> row = segment_market(accounts, cells).set_index("segment").loc["SMB"]
    >>> row[["tam_low", "tam", "tam_high", "sam", "penetration"]].round(4).tolist()
    [3000.0, 6000.0, 9000.0, 2000.0, 0.0417]
    """
    in_sam = accounts[IN_SAM]

    def sam_of(value: ir.NumericValue) -> ir.NumericValue:
        return sum_to_the_cent(ibis.ifelse(in_sam, value, 0.0))

    own = accounts.group_by(t.SEGMENT).aggregate(
        accounts=accounts.count(), customers=accounts[t.IS_CUSTOMER].cast("int64").sum(),
        **{t.ARR: sum_to_the_cent(accounts[t.ARR]),
           t.WHITESPACE: sum_to_the_cent(accounts[t.WHITESPACE]),
           "accounts_potential_low": sum_to_the_cent(accounts[t.POTENTIAL_LOW]),
           "accounts_potential": sum_to_the_cent(accounts[t.POTENTIAL]),
           "accounts_potential_high": sum_to_the_cent(accounts[t.POTENTIAL_HIGH]),
           "_sam_accounts": sam_of(accounts[t.POTENTIAL]), "_sam_arr": sam_of(accounts[t.ARR])},
    ).to_pandas()
    frame = own
    if cells is not None:
        sam_cells = sum_to_the_cent(ibis.ifelse(cells[IN_SAM], cells[TAM], 0.0))
        theirs = cells.group_by(t.SEGMENT).aggregate(
            market_cells=cells.count(), market_firms=cells[FIRMS_LEFT].sum(),
            market_potential_low=sum_to_the_cent(cells[TAM_LOW]),
            market_potential=sum_to_the_cent(cells[TAM]),
            market_potential_high=sum_to_the_cent(cells[TAM_HIGH]), _sam_market=sam_cells,
        ).to_pandas()
        frame = own.merge(theirs, on=t.SEGMENT, how="outer")
    for column in ("accounts", "customers", t.ARR, t.WHITESPACE, "accounts_potential_low",
                   "accounts_potential", "accounts_potential_high", "_sam_accounts", "_sam_arr",
                   "market_cells", "market_firms", "market_potential_low", "market_potential",
                   "market_potential_high", "_sam_market"):
        frame[column] = frame[column].fillna(0) if column in frame else 0.0
    frame = frame.sort_values(t.SEGMENT, ignore_index=True)  # the total adds them in one order
    total = frame.drop(columns=t.SEGMENT).sum().to_frame().T.assign(**{t.SEGMENT: t.ALL_SEGMENTS})
    frame = pd.concat([frame, total], ignore_index=True)
    frame[TAM_LOW] = frame.accounts_potential_low + frame.market_potential_low
    frame[TAM] = frame.accounts_potential + frame.market_potential
    frame[TAM_HIGH] = frame.accounts_potential_high + frame.market_potential_high
    frame[SAM] = frame._sam_accounts + frame._sam_market
    frame[PENETRATION] = (frame[t.ARR] / frame[TAM]).where(frame[TAM] > 0)
    frame[SAM_PENETRATION] = (frame._sam_arr / frame[SAM]).where(frame[SAM] > 0)
    for column in ("accounts", "customers", "market_cells"):
        frame[column] = frame[column].astype("int64")
    order = frame[t.SEGMENT].eq(t.ALL_SEGMENTS).map({True: 1, False: 0})
    frame = frame.assign(_last=order).sort_values(["_last", TAM, t.SEGMENT],
                                                  ascending=[True, False, True], kind="stable")
    return frame[list(SEGMENT_COLUMNS)].reset_index(drop=True)


def top_whitespace(assignments: ir.Table, per_segment: int) -> ir.Table:
    """The `per_segment` accounts with the most whitespace in each segment, ranked from 1.

    >>> assignments = ibis.memtable({"account_id": ["a", "b", "c"], "segment": ["S", "S", "S"],
    ...     "whitespace": [5.0, 9.0, 1.0], "arr": [0.0, 0.0, 0.0], "potential": [5.0, 9.0, 1.0]})
    >>> top_whitespace(assignments, 2).execute()[["rank", "account_id"]].values.tolist()
    [[1, 'b'], [2, 'a']]
    """
    rank = ibis.row_number().over(group_by=t.SEGMENT,
                                  order_by=[ibis.desc(t.WHITESPACE), t.ACCOUNT_ID]) + 1
    # row_number is int64 to Ibis, which then drops a cast to int64, but INT to Spark: going
    # through int32 keeps the cast, so the column is a BIGINT on every engine
    ranked = assignments.mutate(rank=rank.cast("int32").cast("int64"))
    shown = [c for c in (t.SEGMENT, "rank", t.ACCOUNT_ID, t.NAME, t.IS_CUSTOMER, t.ARR,
                         t.POTENTIAL, t.WHITESPACE, t.SHARE_OF_WALLET, t.POTENTIAL_BAND,
                         t.PRODUCT_WHITESPACE, t.PRODUCT_WHITESPACE_ARR) if c in ranked.columns]
    return ranked.filter(ranked["rank"] <= per_segment).select(*shown).order_by(t.SEGMENT, "rank")


def _with_sam(context: RunContext, sam: str | None) -> ir.Table:
    """The assignments with ``in_sam``: the SAM rule over each account as rules see it (its
    columns, its dimensions and scores)."""
    assignments = context.assignments
    if sam is None:
        return assignments.mutate(**{IN_SAM: ibis.literal(True)})
    accounts = context.accounts
    carried = [c for c in assignments.columns if c in accounts.columns and c != t.ACCOUNT_ID]
    view = accounts.drop(*carried).join(assignments, t.ACCOUNT_ID)
    return view.select(*assignments.columns, **{IN_SAM: _rule(view, sam)})


def _rule(table: ir.Table, rule: str | None) -> ir.BooleanValue:
    if rule is None:
        return ibis.literal(True)
    try:
        return compile_rule(parse_rule(rule), table).fill_null(False)
    except RuleError as err:
        raise type(err)(f"scores.potential.sam: {err}") from None


def _assumptions(context: RunContext, described: str, facts: dict, table: pd.DataFrame) -> pd.DataFrame:
    settings = context.models[t.POTENTIAL].settings
    low, high = settings.range
    total = table[table[t.SEGMENT] == t.ALL_SEGMENTS].iloc[0]
    rows = [("Market table", described)]
    if facts:
        outside = int(total.accounts) - int(facts["accounts_in_cells"])
        rows += [
            ("Market cells", f"{int(facts['cells']):,} cells of {int(facts['firms']):,} firms; "
             f"{int(facts['rows'] - facts['cells']):,} subtotal rows of the table skipped"),
            ("A cell's typical firm", "employment ÷ firms of the cell (else the middle of its "
             "size class), with its sector and geography; its revenue and products unknown"),
            ("Firms already accounts", f"{int(facts['accounts_in_cells']):,} accounts fall in a "
             f"market cell and count once, at their own potential; "
             f"{int(facts['crowded']):,} cells hold more accounts than firms (none left)"),
            ("Accounts outside the market table", f"{max(outside, 0):,} accounts (another "
             "geography, or no sector or headcount) count at their own potential only"),
            ("Cells no segment takes", f"{int(facts['unplaced']):,} "
             f"({int(facts['unplaced_firms']):,} firms, TAM {money_text(facts['unplaced_tam'])}), "
             "counted under Unassigned"),
        ]
    rows += [
        ("Potential per firm", f"the {settings.quantile:.0%} quantile of look-alike customers' "
         f"ARR (scores.potential.quantile); TAM low and high at the {low:.0%} and {high:.0%} "
         "quantiles (scores.potential.range)"),
        ("SAM", f"accounts and cells where {settings.sam}" if settings.sam else
         "no scores.potential.sam rule: SAM is TAM"),
        ("Penetration", "ARR ÷ TAM (SAM penetration: ARR in SAM ÷ SAM)"),
        ("TAM, all segments", f"{money_text(total[TAM])} (low {money_text(total[TAM_LOW])}, high "
         f"{money_text(total[TAM_HIGH])}); ARR {money_text(total[t.ARR])}"),
    ]
    return pd.DataFrame(rows, columns=["assumption", "value"])

