import hashlib
import json
import re

import duckdb
import pyarrow.csv as pacsv
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segmint.demo.generator import (
    COUNTRIES,
    COUNTRY_JUNK,
    PLANTED_KEYS,
    generate_company,
)

N = 2000
RANGE = re.compile(r"^\d{1,3}(,\d{3})*(-\d{1,3}(,\d{3})*|\+)$")
# sha256 of what the demo wrote for N = 2000 and seed 11 (planted.json without the keys added
# for the new exports). New exports draw on random streams of their own and must leave these
# files alone; they change only when what drives them is changed on purpose (last: wins made
# to follow the first contact written in accounts, AccountSource and Lead_Score__c, with a
# smaller hidden part, which moved every draw after the book; and each account's renewal
# churn drawn from a Beta around its size band's rate, which moved every draw after the first
# renewal; then usage made to show that churn long before it: seat utilisation and the active
# share lean on p_churn and seats used drift down with it, which moved usage.csv alone).
BEFORE_TRUTH = {
    "accounts.csv": "03c843b791fee041b5576fa0cb2c253101e2a95cb6799ad94a32f3fbef5ebc7c",
    "opportunities.csv": "78113e33968c2b2e0e699307c190bd510233667bb2cf99b86411a4d9ca553de5",
    "revenue.csv": "99e7b64c9d16ee4ef0d6cea9343a803469eb9ce08cc456a24587d9179bc3d5a2",
    "usage.csv": "c21e7c34addfdd2ced335b288384f449b665333632058be8e00dd8e6fe5dedbf",
    "fx_rates.csv": "d39fa7681b582fe824fd8a8f34de170421536494775ee43a6886e5212f478c83",
    "planted.json": "2a5ec7e8ccbca0ae5e09d49cea026454694b1fe8acd75ae6f50906f82cff395c",
}
NEW_TABLES = ("transactions", "owners")
NEW_PLANTED = ("transactions_split_lines", "transactions_credit_notes")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    calls = []
    manifest = generate_company(out, accounts=N, seed=11, progress=lambda *a: calls.append(a))
    nulls = pacsv.ConvertOptions(strings_can_be_null=True, null_values=[""])  # only blanks
    tables = {name: pacsv.read_csv(path, convert_options=nulls).to_pylist()
              for name, path in manifest.files.items()}
    return manifest, tables, calls


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_files_written_before_the_truth_are_unchanged(demo):
    manifest, _, _ = demo
    folder = manifest.files["accounts"].parent
    # accounts gained six columns at the end (the address and the first contact, no commas in
    # their values): drop them per line
    lines = (folder / "accounts.csv").read_bytes().split(b"\n")
    digests = {"accounts.csv": _sha(b"\n".join(line.rsplit(b",", 6)[0] for line in lines))}
    digests |= {name: _sha((folder / name).read_bytes())
                for name in ("opportunities.csv", "revenue.csv", "usage.csv", "fx_rates.csv")}
    doc = json.loads((folder / "planted.json").read_text())
    assert list(doc).pop() == "truth"  # planted.json only gains keys
    old = {key: value for key, value in doc.items() if key != "truth"}
    old["files"] = {k: v for k, v in old["files"].items() if k not in NEW_TABLES}
    old["rows"] = {k: v for k, v in old["rows"].items() if k not in NEW_TABLES}
    old["planted"] = {k: v for k, v in old["planted"].items() if k not in NEW_PLANTED}
    digests["planted.json"] = _sha((json.dumps(old, indent=2) + "\n").encode())
    assert digests == BEFORE_TRUTH


def test_same_seed_and_size_give_byte_identical_files(tmp_path):
    generate_company(tmp_path / "a", accounts=N, seed=3)
    generate_company(tmp_path / "b", accounts=N, seed=3)
    generate_company(tmp_path / "c", accounts=N, seed=4)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert "truth.parquet" in _digest(tmp_path / "a") and "owners.csv" in _digest(tmp_path / "a")
    for name in ("accounts.csv", "transactions.csv", "owners.csv", "truth.parquet"):
        assert _digest(tmp_path / "a")[name] != _digest(tmp_path / "c")[name], name


def test_rows_match_manifest_and_planted_json(demo):
    manifest, tables, calls = demo
    assert {name: len(rows) for name, rows in tables.items()} == manifest.rows
    assert manifest.rows["accounts"] == N + manifest.planted["duplicate_accounts"]
    written = json.loads((manifest.files["accounts"].parent / "planted.json").read_text())
    assert written["planted"] == manifest.planted and written["rows"] == manifest.rows
    assert set(manifest.planted) == set(PLANTED_KEYS)
    assert calls[0] == ("accounts", 0, N) and calls[-1] == ("accounts", N, N)
    assert written["fx_rates"] == {"file": "fx_rates.csv", "currencies": ["EUR", "GBP"],
                                   "rate": "USD per unit, from the first of each month",
                                   "rows": 72, "first": "2023-10-01", "last": "2026-09-01"}


def test_fx_rates_are_monthly_and_near_the_fixed_rates(demo):
    manifest, _, _ = demo
    rates = pacsv.read_csv(manifest.fx_rates).to_pylist()
    assert manifest.fx_rates.read_text().splitlines()[0] == "currency,date,rate"
    for code, per_usd in (("EUR", 0.92), ("GBP", 0.79)):  # units one USD buys, before the drift
        rows = [r for r in rates if r["currency"] == code]
        assert [str(r["date"]) for r in rows][::12] == ["2023-10-01", "2024-10-01", "2025-10-01"]
        assert len(rows) == 36 and all(r["date"].day == 1 for r in rows)
        # 1 / 0.92 = 1.0870 USD per EUR, 1 / 0.79 = 1.2658 per GBP, each within 2.5%
        assert all(abs(r["rate"] * per_usd - 1) <= 0.025 for r in rows), code
        assert len({r["rate"] for r in rows}) > 30  # it drifts


def test_foreign_renewals_convert_back_to_the_usd_they_renew(demo):
    # A won renewal asks for 12 × the account's MRR (USD) in the month before it closes. In EUR
    # or GBP it was written at the close month's rate in fx_rates.csv, so multiplying back by
    # that rate gives the USD MRR again, to rounding; the fixed rate would miss by the drift.
    manifest, tables, _ = demo
    rates = {(r["currency"], r["date"]): r["rate"]
             for r in pacsv.read_csv(manifest.fx_rates).to_pylist()}
    mrr = {}
    for r in tables["revenue"]:
        key = (r["account_id"], r["month"])
        mrr[key] = mrr.get(key, 0.0) + abs(r["mrr"])  # credit notes are the MRR made negative
    ids = {r["Id"] for r in tables["accounts"]}
    checked = 0
    for d in tables["opportunities"]:
        if (d["CurrencyIsoCode"] == "USD" or d["Type"] != "Renewal" or not d["IsWon"]
                or d["AccountId"] not in ids):  # an unknown account's revenue is not its own
            continue
        month = d["CloseDate"].replace(day=1)
        before = (month.replace(year=month.year - 1, month=12) if month.month == 1
                  else month.replace(month=month.month - 1))
        usd = 12 * mrr[d["AccountId"], before]
        rate = rates[d["CurrencyIsoCode"], month]
        assert d["Amount"] * rate == pytest.approx(usd, abs=0.5), d["Id"]
        fixed = 1 / {"EUR": 0.92, "GBP": 0.79}[d["CurrencyIsoCode"]]
        checked += abs(rate - fixed) > 0.002 and d["Amount"] * fixed != pytest.approx(usd, abs=0.5)
    assert checked > 20


def test_deal_stages_agree_with_flags_and_dates(demo):
    _, tables, _ = demo
    for d in tables["opportunities"]:
        assert d["IsWon"] == (d["StageName"] == "Closed Won")
        assert d["IsClosed"] == d["StageName"].startswith("Closed")
        assert d["CreatedDate"] <= d["CloseDate"]
        assert (str(d["CloseDate"]) <= "2026-09-30") == d["IsClosed"]


def test_enterprise_sales_cycles_are_longer_than_small_business(demo):
    _, tables, _ = demo
    size = {r["Id"]: int(r["NumberOfEmployees"]) for r in tables["accounts"]
            if (r["NumberOfEmployees"] or "").isdigit()}

    def median_cycle(keep):
        days = sorted((d["CloseDate"] - d["CreatedDate"]).days for d in tables["opportunities"]
                      if d["AccountId"] in size and keep(size[d["AccountId"]]))
        return days[len(days) // 2]

    small, large = median_cycle(lambda e: e < 100), median_cycle(lambda e: e > 1000)
    assert small < 60 and large > 120


def test_revenue_has_one_row_per_account_month_product(demo):
    manifest, tables, _ = demo
    revenue, planted = tables["revenue"], manifest.planted
    keys = [(r["account_id"], r["month"], r["product"]) for r in revenue]
    assert len(set(keys)) == len(keys)
    assert all(r["month"].day == 1 and "2023-10-01" <= str(r["month"]) <= "2026-09-01"
               for r in revenue)
    ids = {r["Id"] for r in tables["accounts"]}
    assert sum(r["account_id"] not in ids for r in revenue) == planted["revenue_unknown_account"]
    assert sum(r["mrr"] < 0 for r in revenue) == planted["revenue_negative_mrr"] > 0
    assert all(r["mrr"] != 0 for r in revenue)


def test_customers_are_who_pays_in_the_last_month(demo):
    manifest, tables, _ = demo
    ids = {r["Id"] for r in tables["accounts"]}
    paying = {r["account_id"] for r in tables["revenue"]
              if str(r["month"]) == "2026-09-01" and r["account_id"] in ids}
    dups = manifest.planted["duplicate_accounts"]
    originals = tables["accounts"][: len(tables["accounts"]) - dups]
    typed = {r["Id"] for r in originals if r["Type"] == "Customer"}
    assert paying == typed and len(paying) == manifest.planted["customers"]


def test_first_new_business_win_starts_revenue_that_month(demo):
    _, tables, _ = demo
    first_month = {}
    for r in tables["revenue"]:
        first_month[r["account_id"]] = min(first_month.get(r["account_id"], r["month"]), r["month"])
    wins = {}
    for d in tables["opportunities"]:
        if d["Type"] == "New Business" and d["IsWon"]:
            wins[d["AccountId"]] = min(wins.get(d["AccountId"], d["CloseDate"]), d["CloseDate"])
    matched = [first_month.get(a) == w.replace(day=1) for a, w in wins.items()]
    assert sum(matched) / len(matched) > 0.95  # the rest were customers before the window


def test_usage_fades_before_churn(demo):
    _, tables, _ = demo
    seats = {(u["account_id"], u["date"]): u["value"] for u in tables["usage"]
             if u["metric"] == "seats_used"}
    months = {}
    for account, month in seats:
        months.setdefault(account, []).append(month)
    ratios = []
    for account, ms in months.items():
        ms.sort()
        if str(ms[-1]) < "2026-09-01" and len(ms) >= 8:  # paid 8+ months, then stopped
            ratios.append(seats[account, ms[-1]] / max(1, seats[account, ms[-8]]))
    assert len(ratios) > 20
    assert sorted(ratios)[len(ratios) // 2] < 0.6  # last month vs seven months before


def test_csv_loads_in_duckdb_with_the_source_headers(demo):
    manifest, _, _ = demo
    headers = {
        "accounts": ["Id", "Name", "Website", "Industry", "NaicsCode", "NumberOfEmployees",
                     "AnnualRevenue", "BillingCountry", "BillingState", "ParentId", "OwnerId",
                     "Type", "CreatedDate", "BillingPostalCode", "BillingCity", "BillingLatitude",
                     "BillingLongitude", "AccountSource", "Lead_Score__c"],
        "opportunities": ["Id", "AccountId", "Name", "Amount", "CurrencyIsoCode", "CloseDate",
                          "CreatedDate", "StageName", "IsWon", "IsClosed", "Type", "LeadSource",
                          "Product__c"],
        "revenue": ["account_id", "month", "product", "mrr"],
        "usage": ["account_id", "date", "metric", "value"],
        "transactions": ["invoice_id", "line", "account_id", "invoice_date", "item", "channel",
                         "amount"],
        "owners": ["Id", "FirstName", "LastName", "Name", "Email", "Title", "UserRole.Name",
                   "Division", "ManagerId", "IsActive", "CreatedDate", "Capacity_Hours__c"],
    }
    con = duckdb.connect()
    for name, path in manifest.files.items():
        rel = con.read_csv(str(path), all_varchar=True)
        assert rel.columns == headers[name]
        assert rel.aggregate("count(*)").fetchone()[0] == manifest.rows[name]


def test_parquet_gives_the_same_rows(demo, tmp_path):
    manifest, _, _ = demo
    parquet = generate_company(tmp_path, accounts=N, seed=11, file_format="parquet")
    assert parquet.rows == manifest.rows and parquet.planted == manifest.planted
    table = pq.read_table(parquet.files["accounts"])
    assert table.num_rows == manifest.rows["accounts"]
    assert pc.sum(pc.is_null(table["Industry"])).as_py() == manifest.planted[
        "accounts_missing_industry"]


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="csv"):
        generate_company(tmp_path, accounts=10, file_format="xlsx")


def test_every_country_spelling_the_demo_plants_is_recognised():
    from segmint.demo.generator import COUNTRY_VARIANTS
    from segmint.enrich.geography import country_code

    unrecognised = [v for variants in COUNTRY_VARIANTS.values() for v in variants if country_code(v) is None]
    assert unrecognised == []
