"""The per-message rule in SQL, as an analyst would write it in DuckDB.

Usage: duckdb_rule.py LOG REPO_ROOT  → CSV lines market,category,messages,charged,cost

Per-message pricing (2025-07 model) for a log in one card period: service
messages free; utility free inside the 24 h customer service window (the
latest inbound message per business × customer, found with a window
function); other delivered templates charged the card rate of the
customer's market (longest calling-code prefix); failed messages free.
"""

import csv
import sys
from pathlib import Path

import duckdb

log, root = sys.argv[1], Path(sys.argv[2])
CARD = root / "data" / "cards" / "rates-2026-01-01-usd.csv"
MARKETS = root / "data" / "markets.csv"


def rows(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]


con = duckdb.connect()
# Markets in force in January 2026 and the card's known rates (tiny tables).
con.execute("CREATE TABLE markets (prefix VARCHAR, market VARCHAR)")
# One row per prefix and market: markets.csv has a row per country, and the
# countries of one calling code (1: US, CA) share a market.
con.executemany("INSERT INTO markets VALUES (?, ?)", sorted({
    (r["prefix"], r["market"]) for r in rows(MARKETS)
    if not r["effective_from"] or r["effective_from"] <= "2026-01-01"
    if not r["effective_to"] or r["effective_to"] > "2026-03-01"}))
con.execute("CREATE TABLE rates (market VARCHAR, category VARCHAR, rate DECIMAL(18, 6))")
con.executemany("INSERT INTO rates VALUES (?, ?, ?)", [
    (r["market"], r["category"], r["rate"]) for r in rows(CARD) if r["rate"]])

result = con.execute(f"""
WITH log AS (
    SELECT * FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"',
        columns = {{'timestamp': 'TIMESTAMPTZ', 'business': 'VARCHAR', 'customer': 'VARCHAR',
                   'direction': 'VARCHAR', 'category': 'VARCHAR', 'message_id': 'VARCHAR',
                   'status': 'VARCHAR', 'entry_point': 'VARCHAR'}})
),
windows AS (
    SELECT *, max(CASE WHEN direction = 'in' AND coalesce(status, '') <> 'failed'
                       THEN "timestamp" END)
        OVER (PARTITION BY business, customer ORDER BY "timestamp", direction = 'out'
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS last_in
    FROM log
),
outbound AS (
    SELECT ltrim(customer, '+') AS digits, category, status, "timestamp" AS at, last_in
    FROM windows WHERE direction = 'out'
),
priced AS (
    SELECT coalesce(m4.market, m3.market, m2.market, m1.market) AS market, o.category,
        CASE WHEN o.status = 'failed' THEN 'not_delivered'
             WHEN o.category = 'service' THEN 'free'
             WHEN o.category = 'utility' AND o.at < o.last_in + INTERVAL 24 HOURS THEN 'free'
             ELSE 'regular' END AS type
    FROM outbound o
    LEFT JOIN markets m1 ON m1.prefix = left(o.digits, 1)
    LEFT JOIN markets m2 ON m2.prefix = left(o.digits, 2)
    LEFT JOIN markets m3 ON m3.prefix = left(o.digits, 3)
    LEFT JOIN markets m4 ON m4.prefix = left(o.digits, 4)
)
SELECT p.market, p.category, count(*) AS messages,
    count(*) FILTER (WHERE type = 'regular') AS charged,
    coalesce(sum(r.rate) FILTER (WHERE type = 'regular'), 0) AS cost
FROM priced p LEFT JOIN rates r ON r.market = p.market AND r.category = p.category
GROUP BY ALL ORDER BY ALL
""", [log]).fetchall()

out = csv.writer(sys.stdout, lineterminator="\n")
for market, category, messages, charged, cost in result:
    out.writerow([market, category, messages, charged, cost])
