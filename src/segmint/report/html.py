"""The HTML report: one self-contained page (inline CSS and SVG), every value escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from html import escape

import pandas as pd

from segmint.audit.quality import AuditResult
from segmint.report import charts
from segmint.sections import Chart, Figures, Note, Readings, Section, TableView

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1d2433;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem}
.muted{color:#667085} table{border-collapse:collapse;margin:.5rem 0;min-width:50%}
th,td{padding:.3rem .7rem;border-bottom:1px solid #e4e7ec;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums} th{background:#f5f7fa}
.bad{color:#b42318} .readings li{margin:.35rem 0} figure{margin:1rem 0} svg{max-width:100%;height:auto}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(148px,1fr));gap:.5rem;margin:.5rem 0}
.tile{border:1px solid #e4e7ec;border-radius:6px;padding:.45rem .7rem;background:#fcfcfd}
.tile-label{font-size:.8rem;color:#475467} .tile-note{font-size:.75rem;color:#667085}
.tile-value{font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums;margin:.1rem 0}
.tile-value.up{color:#2e7d4f} .tile-value.down{color:#b42318}
"""
SEGMENTS_ORDER = 5  # where the segment overview stands among the sections (see Section)
# columns shown as percentages, with their precision (penetration is often a fraction of 1%)
PERCENT = {"share": ".1%", "share_of_wallet": ".0%", "penetration": ".2%",
           "sam_penetration": ".2%", "clv_share": ".1%", "share_of_parent": ".0%",
           "nrr_12m": ".0%"}


def render_report(
    *,
    project_name: str,
    summary: pd.DataFrame,
    row_counts: pd.DataFrame,
    unassigned_reasons: pd.DataFrame,
    rejects_by_check: pd.DataFrame,
    sections: Sequence[tuple[str, Section]] = (),
    frames: Mapping[str, pd.DataFrame] | None = None,
    skipped: Mapping[str, str] | None = None,
    data_quality: AuditResult | None = None,
) -> str:
    """The report page as a string, from finished (small) result tables.

    `sections` are the registered sections of the analyses, scores and plans that ran (name,
    `Section`), drawn in their order from `frames` (result tables as pandas, by name);
    `skipped` names what could not run and why.

    Examples
    --------
    >>> page = render_report(project_name="<Acme>",
    ...     summary=pd.DataFrame({"segment": ["SMB"], "accounts": [3], "customers": [1],
    ...                           "share": [1.0]}),
    ...     row_counts=pd.DataFrame({"table": ["accounts"], "file": ["a.csv"], "rows_in": [3],
    ...                              "rows_used": [3], "rows_rejected": [0]}),
    ...     unassigned_reasons=pd.DataFrame({"reason": [], "accounts": []}),
    ...     rejects_by_check=pd.DataFrame({"table": [], "check": [], "reason": [], "rows": []}))
    >>> "&lt;Acme&gt;" in page and "<Acme>" not in page
    True
    """
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    total = int(summary["accounts"].sum()) if len(summary) else 0
    first = [(name, section) for name, section in sections if section.order < SEGMENTS_ORDER]
    parts = [
        f"<h1>{escape(project_name)}: segments</h1>",
        f'<p class="muted">{total:,} accounts in {len(summary)} segments. Generated {generated} '
        "by segmint.</p>",
        *(render_section(name, section, frames or {}) for name, section in first),
        "<h2>Segments</h2>",
        f'<figure data-chart="segment_bars">{charts.to_svg(charts.segment_bars(summary), salt="segment_bars")}</figure>'
        if len(summary) else "",
        _table(summary),
        *(render_section(name, section, frames or {}) for name, section in sections
          if section.order >= SEGMENTS_ORDER),
        _skipped_section(skipped or {}, ran=bool(sections)),
        "<h2>Why accounts are unassigned</h2>",
        _table(unassigned_reasons) if len(unassigned_reasons) else "<p>Every account has a segment.</p>",
        data_quality_section(data_quality) if data_quality is not None else "",
        "<h2>Rows in, used and rejected</h2>",
        _table(row_counts),
        "<h2>Rejected rows and cleared values, by check</h2>",
        _table(rejects_by_check) if len(rejects_by_check) else "<p>Nothing was rejected.</p>",
    ]
    body = "\n".join(part for part in parts if part)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(project_name)}: segmint report</title>"
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def data_quality_section(audit: AuditResult) -> str:
    """The data-quality audit as HTML: key figures, scores, fill rates, problems and fixes."""
    headline = pd.DataFrame({"figure": list(audit.headline()),
                             "value": [int(v) for v in audit.headline().values()]})
    fill = audit.fill_rates[["column", "source", "in_crm_share", "usable_share", "enriched_share"]]
    fill = fill.rename(columns={"in_crm_share": "in CRM", "usable_share": "usable",
                                "enriched_share": "after enrichment"})
    parts = [
        "<h2>Data quality</h2>",
        f'<p class="muted">{_as_of_text(audit.as_of)} Score = 100 × rows kept × values '
        "valid × fields filled × accounts unique.</p>",
        _table(audit.scores), _table(headline),
        "<h3>Fixes that would move the most accounts out of Unassigned</h3>",
        _table(audit.fixes[["fix", "accounts_freed", "accounts_affected"]])
        if len(audit.fixes) else "<p>No account is unassigned.</p>",
        "<h3>Fill rate per column</h3>",
        _table(fill.map(lambda v: f"{v:.1%}" if isinstance(v, float) else v)),
        "<h3>Invalid and unrecognised values</h3>",
        _table(audit.invalid_values) if len(audit.invalid_values) else "<p>None.</p>",
    ]
    parts += _loading_sections(audit)
    if len(audit.unsettled_date_orders):
        parts += ["<h3>Date columns whose order the data does not settle</h3>",
                  '<p class="muted">Slash dates such as 02/03/24 are read in one order per column: '
                  "the one its values prove, else month first. Set sources.&lt;table&gt;.date_order "
                  "in segmint.yaml to choose.</p>",
                  _table(audit.unsettled_date_orders.rename(columns=DATE_HEADERS))]
    if len(audit.owner_links):
        parts += ["<h3>Account owners in the owners table</h3>", _table(audit.owner_links)]
    if len(audit.duplicates):
        parts += ["<h3>Duplicate accounts</h3>", _table(audit.duplicates)]
    return "\n".join(parts)


DATE_HEADERS = {"order": "read", "first_over_12": "fit day first only",
                "second_over_12": "fit month first only", "slash_dates": "slash dates"}


def _as_of_text(as_of) -> str:
    """'As of 2024-06-30.', or what stands in when the data has no date at all."""
    return f"As of {escape(str(as_of))}." if as_of is not None else "No dates in the data."


def _loading_sections(audit: AuditResult) -> list[str]:
    """What loading repaired or could not resolve: encodings, mojibake, id placeholders, parents.

    Examples
    --------
    >>> audit = AuditResult(accounts=1, fill_rates=pd.DataFrame(), fill_by_segment=pd.DataFrame(),
    ...     invalid_values=pd.DataFrame(), duplicates=pd.DataFrame(), orphans={}, no_owner=0,
    ...     stale=0, stale_after_months=24, as_of=None, currency_mix=pd.DataFrame(),
    ...     outliers=pd.DataFrame(), outlier_count=0, scores=pd.DataFrame(), fixes=pd.DataFrame(),
    ...     unassigned_before=0, unassigned_after=0, left_unassigned=0,
    ...     repairs=pd.DataFrame({"table": ["accounts"], "file": ["a.csv"], "column": ["Name"],
    ...                           "values_repaired": [1], "examples": ["<Ã©> → <é>"]}))
    >>> "&lt;Ã©&gt; → &lt;é&gt;" in "".join(_loading_sections(audit))
    True
    """
    parts = []
    reading = audit.file_reading
    if len(reading) and ((reading.decided_by != "as is").any()
                         or (reading.records_spanning_lines > 0).any()
                         or (reading.broken_quotes > 0).any()
                         or (reading.replaced_characters > 0).any()):
        parts += ["<h3>How the files were read</h3>", _table(reading)]
    if len(audit.repairs):
        parts += ["<h3>Values repaired on loading (mojibake, before → after)</h3>",
                  _table(audit.repairs)]
    if len(audit.id_sentinels):
        parts += ["<h3>Id placeholders (empty lookups, ids a spreadsheet rewrote as floats) "
                  "and owners marked deactivated</h3>",
                  _table(audit.id_sentinels[["table", "file", "column", "what", "rows",
                                             "examples"]])]
    links = audit.parent_links
    if len(links) and links.loc[links.found != "id", "accounts"].sum():
        parts += ["<h3>Parent accounts: how parent_id found each parent</h3>", _table(links)]
    return parts


def render_section(name: str, section: Section, frames: Mapping[str, pd.DataFrame]) -> str:
    """One registered section as HTML: its title, then each block drawn from `frames`.

    A chart whose table has no rows (or nothing its drawing can show) says so in words
    instead of drawing an empty axis.

    Examples
    --------
    >>> section = Section("Tiers", 5, (Note("Counted today."), TableView("tiers"),
    ...                                Chart("cohort_heatmap", table="empty", empty="No cohorts.")))
    >>> html = render_section("tiers", section, {"tiers": pd.DataFrame({"tier": ["<A>"]}),
    ...                                          "empty": pd.DataFrame()})
    >>> "&lt;A&gt;" in html and "No cohorts." in html and 'data-section="tiers"' in html
    True
    """
    parts = [f'<section class="analysis" data-section="{escape(name)}">',
             f"<h2>{escape(section.title)}</h2>"]
    for position, block in enumerate(section.blocks):
        if isinstance(block, Note):
            parts.append(f'<p class="muted">{escape(block.text)}</p>')
            continue
        frame = frames.get(block.table)
        if isinstance(block, Readings):
            if frame is not None and len(frame):
                parts.append('<ul class="readings">' + "".join(
                    f"<li>{escape(str(text))}</li>" for text in frame[block.column]) + "</ul>")
        elif isinstance(block, Figures):
            parts.append(_figures(block, frame))
        elif isinstance(block, TableView):
            if block.title:
                parts.append(f"<h3>{escape(block.title)}</h3>")
            if frame is None or not len(frame):
                parts.append(f"<p>{escape(block.empty)}</p>")
                continue
            shown = frame[list(block.columns)] if block.columns else frame
            parts.append(_table(shown.head(block.limit) if block.limit else shown))
        elif isinstance(block, Chart):
            also = {keyword: frames.get(table) for keyword, table in block.also.items()}
            figure = (charts.load_drawings()[block.kind](frame, **also, **dict(block.options))
                      if something_to_draw(frame) else None)
            if figure is None:
                parts.append(f'<p class="muted empty" data-chart="{escape(block.kind)}">'
                             f"{escape(block.empty)}</p>")
            else:
                parts.append(f'<figure data-chart="{escape(block.kind)}">'
                             f"{charts.to_svg(figure, salt=f'{name}:{position}')}</figure>")
    parts.append("</section>")
    return "\n".join(parts)


def something_to_draw(frame: pd.DataFrame | None) -> bool:
    """Whether a chart of `frame` would show anything: rows, and a number that is not zero (an
    axis of zeros is drawn as "0 0 0 1 1 1" and reads as data).

    >>> something_to_draw(pd.DataFrame({"segment": ["A", "B"], "deals": [0, None]}))
    False
    >>> something_to_draw(pd.DataFrame({"segment": ["A", "B"], "deals": [0, 2]}))
    True
    >>> something_to_draw(pd.DataFrame({"segment": ["A"]})), something_to_draw(None)
    (True, False)
    """
    if frame is None or not len(frame):
        return False
    numbers = frame.select_dtypes("number")
    return numbers.empty or bool(numbers.fillna(0).ne(0).to_numpy().any())


def _figures(block: Figures, frame: pd.DataFrame | None) -> str:
    """A `Figures` block: a grid of tiles, then a line for each figure without a value.

    >>> frame = pd.DataFrame({"label": ["ARR", "<Churn>", "Win rate"], "text": ["1.2M", "−50k", None],
    ...                       "note": ["2024-Q2", "all of it in <SMB>", "no deals table"],
    ...                       "amount": [0.0, -50e3, None]})
    >>> html = _figures(Figures("t", signed="amount"), frame)
    >>> html.count('class="tile"'), "&lt;SMB&gt;" in html, 'tile-value down' in html
    (2, True, True)
    >>> html.split("</div>")[-1]
    '<p class="muted">Win rate: no deals table.</p>'
    >>> _figures(Figures("t", title="Moves", empty="None moved."), frame.head(0)), _figures(Figures("t"), None)
    ('<h3>Moves</h3><p class="muted">None moved.</p>', '')
    """
    if frame is None:
        return ""
    parts = [f"<h3>{escape(block.title)}</h3>"] if block.title else []
    if not len(frame):
        return "".join(parts + ([f'<p class="muted">{escape(block.empty)}</p>'] if block.empty else []))
    tiles, missing = [], []
    for row in frame.to_dict("records"):
        label, text, note = (row[block.label], row[block.text], row[block.note])
        note = "" if note is None or pd.isna(note) else str(note)
        if text is None or pd.isna(text):
            missing.append(f'<p class="muted">{escape(f"{label}: {note}.")}</p>')
            continue
        sign = row[block.signed] if block.signed else None
        tone = "" if sign is None or pd.isna(sign) or sign == 0 else " up" if sign > 0 else " down"
        tiles.append(f'<div class="tile"><div class="tile-label">{escape(str(label))}</div>'
                     f'<div class="tile-value{tone}">{escape(str(text))}</div>'
                     f'<div class="tile-note">{escape(note)}</div></div>')
    if tiles:
        parts.append('<div class="tiles">' + "".join(tiles) + "</div>")
    return "".join(parts + missing)


def _skipped_section(skipped: Mapping[str, str], *, ran: bool) -> str:
    """What could not run and why; a hint when no analysis ran at all."""
    parts = [f'<p class="muted">{escape(name)} skipped: {escape(reason)}.</p>'
             for name, reason in skipped.items()]
    if not ran:
        parts.insert(0, "<p>No revenue or deals table: add sources.revenue or sources.deals.</p>")
    return "\n".join(parts)


def _table(frame: pd.DataFrame) -> str:
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    head = "".join(f'<th class="{"n" if c in numeric else ""}">{escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            css = "n" if column in numeric else ""
            cells.append(f'<td class="{css}">{escape(_format(column, value))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _format(column: str, value) -> str:
    """A table cell as people read it.

    >>> _format("cutoff", pd.Timestamp("2026-03-31")), _format("won", 1234.5), _format("x", None)
    ('2026-03-31', '1,234', '–')
    >>> _format("at", pd.Timestamp("2026-03-31 14:05"))
    '2026-03-31 14:05:00'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return "–"
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()  # a date the engine handed over as a timestamp
    if column in PERCENT and isinstance(value, float):
        return format(value, PERCENT[column])
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
