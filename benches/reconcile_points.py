"""Writes Meta `pricing_analytics` exports for a generated log, for the
reconcile benchmark: half-hour data points over the log's span, for every
country of `wabill generate`, category, pricing type and business number
(as many numbers as it takes to reach the count), in pages of Graph API
JSON (`{"pricing_analytics": {"data": [{"data_points": [...]}]}}`), one
file per page. Volumes and costs are synthetic: the benchmark times the
join, not the agreement.

    python3 benches/reconcile_points.py LOG POINTS OUT_PREFIX [PAGE]

prints the files written, one a line.
"""

import sys
from datetime import datetime, timezone

COUNTRIES = "AE AR BR CO DE EG ES GB ID IN IT MX MY NG PK RU SA TR US ZA".split()
CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION", "AUTHENTICATION_INTERNATIONAL", "SERVICE"]
TYPES = ["REGULAR", "FREE_CUSTOMER_SERVICE", "FREE_ENTRY_POINT"]
HALF_HOUR = 1800
DAY = 86400


def log_span(path):
    """UTC days (as Unix seconds) of the log's first and last rows."""
    with open(path, "rb") as f:
        f.readline()
        first = f.readline().split(b",", 1)[0].decode()
        f.seek(0, 2)
        f.seek(max(f.tell() - 4096, 0))
        last = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1].split(b",", 1)[0].decode()

    def day(ts):
        t = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(timezone.utc)
        return int(t.timestamp()) // DAY * DAY

    return day(first), day(last) + DAY


def points(log, count):
    start, end = log_span(log)
    slots = (end - start) // HALF_HOUR
    per_number = len(COUNTRIES) * len(CATEGORIES) * len(TYPES)
    numbers = max(1, -(-count // (slots * per_number)))
    n = 0
    for slot in range(slots):
        s = start + slot * HALF_HOUR
        for phone in range(numbers):
            for country in COUNTRIES:
                for category in CATEGORIES:
                    for kind in TYPES:
                        if n == count:
                            return
                        volume = 1 + (n * 7919) % 13
                        cost = "0" if kind != "REGULAR" else f"{volume * 125 / 10000:.4f}"
                        yield (f'{{"start": {s}, "end": {s + HALF_HOUR}, '
                               f'"phone_number": "1555010{phone:04d}", "country": "{country}", '
                               f'"pricing_type": "{kind}", "pricing_category": "{category}", '
                               f'"volume": {volume}, "cost": {cost}}}')
                        n += 1


def main():
    log, count, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    page = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
    batch, files = [], []

    def flush():
        path = f"{prefix}-{len(files) + 1:03d}.json"
        with open(path, "w") as f:
            f.write('{"pricing_analytics": {"data": [{"data_points": [\n')
            f.write(",\n".join(batch))
            f.write("\n]}]}}\n")
        files.append(path)
        batch.clear()

    for p in points(log, count):
        batch.append(p)
        if len(batch) == page:
            flush()
    if batch:
        flush()
    print("\n".join(files))


if __name__ == "__main__":
    main()
