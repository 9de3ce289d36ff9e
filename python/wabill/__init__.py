"""wabill for Python: WhatsApp Business messaging costs from message logs.

The same program as the ``wabill`` command, run in process::

    import wabill
    report = wabill.estimate("data/sample/messages.csv", by=["market", "category"])
    report.attrs["accounting"]      # every row read, counted once
    wabill.price(df, tiers="tiers.csv", businesses="businesses.csv")

``data`` is a path (or a list of paths) of any log wabill reads (CSV,
Meta's webhook JSON, a provider's export; plain, .gz or .zst), a Parquet
file (read with pyarrow), a pandas DataFrame or a pyarrow Table of log rows
(the columns of wabill's CSV log), or ``bytes`` holding a log as its file
would. Options are the command's, in Python spelling: ``tiers="t.csv"`` is
``--tiers t.csv``, ``no_tiers=True`` is ``--no-tiers``, a list repeats the
option (``rates=[a, b]``), a dict gives ``NAME=VALUE`` pairs
(``column={"customer": "to_number"}``). An unknown option or a bad value
raises :class:`WabillError` with exit code 2, as the command exits 2; a row
that cannot be read is counted as rejected (``attrs["rejects"]`` names its
file, line, column and reason) and fails the call under ``strict=True``.
Calls are quiet (``-q``) unless given ``quiet=False``.

Money is exact: ``decimal.Decimal`` in a DataFrame, Arrow ``decimal128`` in
a Table, never float. For a DataFrame, Table or Parquet input, line 1 is
the header and line N the DataFrame's row N-2 (0-based).
"""

import csv
import io
import json
import os
import shutil
import tempfile
from decimal import Decimal

from . import _wabill
from ._errors import WabillError

__version__ = _wabill.__version__
__all__ = [
    "WabillError",
    "estimate",
    "price",
    "merge",
    "run",
    "portfolio_of",
    "portfolio_of_records",
]

# Options that the API itself sets: it reads the command's JSON.
_RESERVED = {"format", "output", "o", "rejects_file"}
_MONEY = {"cost", "rate", "amount", "budget", "spend"}


def run(args):
    """Runs ``wabill ARGS...`` in process (``args`` without the program's
    name); prints what the command prints and returns its exit code, or
    raises :class:`WabillError` with the message the command would print."""
    return _wabill.run(["wabill", *[os.fspath(a) for a in args]])


def portfolio_of(business, businesses=None, tz="UTC"):
    """The key of the rows that must be priced together: ``portfolio:NAME``
    for a business that the businesses file puts in a portfolio, else
    ``business:NUMBER`` (wabill's own matching of numbers). ``business`` is
    one number or a sequence (a pandas Series gives a Series)."""
    path = os.fspath(businesses) if businesses is not None else None
    if isinstance(business, str):
        return _wabill.portfolio_of([business], path, tz)[0]
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(business, pd.Series):
        values = business.fillna("").astype(str).tolist()
        return pd.Series(_wabill.portfolio_of(values, path, tz), index=business.index)
    return _wabill.portfolio_of(["" if b is None else str(b) for b in business], path, tz)


def portfolio_of_records(texts, header=None, input_format=None, businesses=None, tz="UTC"):
    """The key (as :func:`portfolio_of`) of each record of a log read on its
    own by wabill's readers: a line of webhook JSON lines, or a CSV row given
    with its ``header``. A record holding no message has the key ``""``."""
    path = os.fspath(businesses) if businesses is not None else None
    return _wabill.portfolio_of_records(list(texts), header, input_format, path, tz)


def _flags(options):
    argv = []
    for key, value in options.items():
        if key in _RESERVED:
            raise WabillError(f"{key}=: the Python API sets it (use wabill.run for the command)", 2)
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            argv.append(flag)
        elif isinstance(value, dict):
            for k, v in value.items():
                argv += [flag, f"{k}={v}"]
        elif isinstance(value, (list, tuple)):
            for v in value:
                argv += [flag, os.fspath(v) if isinstance(v, os.PathLike) else str(v)]
        else:
            argv += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return argv


def _cells(df):
    """A DataFrame whose timestamp columns are RFC 3339 text cells."""
    stamps = [
        name
        for name in df.columns
        if getattr(df[name].dtype, "kind", "") == "M" or str(df[name].dtype).startswith("timestamp")
    ]
    if not stamps:
        return df
    out = df.copy()
    for name in stamps:
        out[name] = out[name].map(lambda t: "" if t is None or t != t else t.isoformat())
    return out


def _write_csv(df, path):
    """A DataFrame as wabill's CSV log: with pyarrow's writer when it takes
    the columns (ten times pandas' speed), else pandas'."""
    df = _cells(df)
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        pa = None
    if pa is not None:
        try:
            table = pa.Table.from_pandas(df, preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError):
            table = None  # mixed types in a column: pandas writes them
        text = (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer, pa.types.is_null)
        if table is not None and all(any(is_(t) for is_ in text) for t in table.schema.types):
            pacsv.write_csv(table, path)
            return
    df.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


def _table_to_frame(table):
    import pandas as pd
    import pyarrow as pa

    # Integers stay integers when some are missing (not 5511….0 floats).
    return table.to_pandas(
        types_mapper=lambda t: pd.Int64Dtype() if pa.types.is_integer(t) else None
    )


class _Inputs:
    """The paths handed to the command for ``data``, and the names shown for
    the files written for it."""

    def __init__(self, data, work, name):
        self.paths = []
        self.names = {}
        self._work = work
        self._add(data, name)

    def _write(self, kind, name, write, suffix):
        path = os.path.join(self._work, f"input-{len(self.paths)}{suffix}")
        write(path)
        self.paths.append(path)
        self.names[path] = name or f"<{kind}>"

    def _frame(self, df, name, kind):
        self._write(kind, name, lambda path: _write_csv(df, path), ".csv")

    def _add(self, data, name):
        if isinstance(data, (str, os.PathLike)):
            path = os.fspath(data)
            if path.lower().endswith((".parquet", ".parq")):
                import pyarrow.parquet as pq

                self._frame(_table_to_frame(pq.read_table(path)), name or path, "Parquet")
            else:
                self.paths.append(path)
            return
        if isinstance(data, (bytes, bytearray, memoryview)):

            def write(path):
                with open(path, "wb") as f:
                    f.write(bytes(data))

            self._write("bytes", name, write, "")
            return
        if isinstance(data, (list, tuple)):
            for item in data:
                self._add(item, name)
            return
        kind = type(data).__module__.split(".")[0]
        if kind == "pandas":
            self._frame(data, name, "DataFrame")
        elif kind == "pyarrow":
            import pyarrow as pa

            if isinstance(data, pa.RecordBatch):
                data = pa.Table.from_batches([data])
            self._frame(_table_to_frame(data), name, "Table")
        else:
            raise TypeError(
                "data: a path, a list of paths, bytes, a pandas DataFrame or a pyarrow "
                f"Table, not {type(data).__name__}"
            )

    def shown(self, text):
        """``text`` with the files written for the data named as the caller
        named them."""
        for path, name in self.names.items():
            text = text.replace(json.dumps(path)[1:-1], json.dumps(name)[1:-1])
        return text


_TEXT = ("table", "csv", "markdown", "html")


def _call(command, data, name, options, extra, read, fmt="json"):
    # Per-row diagnostics would name the files written for the data: the
    # rejected rows are in attrs["rejects"] instead (quiet=False shows them).
    options.setdefault("quiet", True)
    work = tempfile.mkdtemp(prefix="wabill-")
    try:
        inputs = _Inputs(data, work, name)
        out = os.path.join(work, "out.json")
        user_rejects = options.pop("rejects", None)
        rejects = os.fspath(user_rejects) if user_rejects else os.path.join(work, "rejects.csv")
        args = [os.fspath(a) for a in options.pop("args", ())]
        argv = ["wabill", command, *inputs.paths, *extra, *_flags(options), *args]
        argv += ["--format", fmt, "-o", out, "--rejects", rejects]
        try:
            exit_code = _wabill.run(argv)
        except WabillError as e:
            message = e.message.replace(f"; {out} was not written", "")
            raise WabillError(inputs.shown(message), e.exit_code) from None
        with open(out, encoding="utf-8") as f:
            text = inputs.shown(f.read())
        return read(text, _rejects(rejects, inputs), exit_code)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _rejects(path, inputs):
    import pandas as pd

    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return pd.DataFrame(columns=["file", "line", "column", "value", "reason"])
    with open(path, encoding="utf-8") as f:
        text = inputs.shown(f.read())
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _exact(value):
    """JSON with money as Decimal."""
    if isinstance(value, dict):
        return {
            k: (Decimal(v) if k in _MONEY and isinstance(v, str) and v != "" else _exact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def _decimal_column(values):
    import pyarrow as pa

    scale = max((-v.as_tuple().exponent for v in values if v is not None), default=0)
    return pa.array(values, type=pa.decimal128(38, max(scale, 0)))


def estimate(data, by=None, *, into="pandas", name=None, **options):
    """The cost report of ``wabill estimate``: one row per group (``by``, a
    list of keys or a comma-separated string; default market, category) with
    messages, charged, free, not_delivered and cost.

    ``into="pandas"`` (default) returns a DataFrame whose ``attrs`` hold the
    ``accounting``, ``totals``, ``meta``, the whole ``report`` (the
    command's JSON, money as Decimal), its text ``json`` (byte for byte
    ``wabill estimate --format json``), ``rejects`` (a DataFrame of the
    rejected rows) and ``exit_code`` (3 when over ``budget``).
    ``into="arrow"`` returns a pyarrow Table (cost as decimal128; the JSON
    in the schema's metadata under ``wabill.report``), ``into="json"`` the
    JSON text and ``into="dict"`` the report as a dict; ``into="table"``
    (or csv, markdown, html) the command's report in that format, as text.
    ``name`` is how the report and errors name a DataFrame, Table or bytes
    input; ``args`` adds command-line arguments as they are
    (``args=["--tiers", "t.csv"]``).
    """
    extra = []
    if by is not None:
        extra = ["--by", by if isinstance(by, str) else ",".join(by)]

    def read(text, rejects, exit_code):
        if into == "json":
            return text
        report = _exact(json.loads(text))
        if into == "dict":
            return report
        keys = report["meta"]["group_by"]
        records = []
        for row in report["rows"]:
            record = dict(zip(keys, row["keys"]))
            record.update({k: v for k, v in row.items() if k != "keys"})
            records.append(record)
        if into == "arrow":
            import pyarrow as pa

            counts = ["messages", "charged", "free", "not_delivered", "cost"]
            fields = list(records[0]) if records else list(keys) + counts
            columns = {}
            for field in fields:
                values = [r.get(field) for r in records]
                columns[field] = (
                    _decimal_column(values) if field in _MONEY else pa.array(values)
                )
            return pa.table(columns).replace_schema_metadata({"wabill.report": text})
        from ._frames import Report

        columns = list(keys) + ["messages", "charged", "free", "not_delivered", "cost"]
        frame = Report.from_records(records, columns=columns if not records else None)
        frame = Report(frame)
        frame.attrs.update(
            accounting=report["accounting"],
            totals=report["totals"],
            meta=report["meta"],
            report=report,
            json=text,
            rejects=rejects,
            exit_code=exit_code,
        )
        return frame

    if into in _TEXT:
        return _call("estimate", data, name, dict(options), extra, lambda t, r, e: t, into)
    if into not in ("pandas", "arrow", "json", "dict"):
        raise ValueError(f"into={into!r}: one of pandas, arrow, json, dict, {', '.join(_TEXT)}")
    return _call("estimate", data, name, dict(options), extra, read)


def price(data, *, into="pandas", name=None, **options):
    """One priced row per message, as ``wabill price`` (in time order): its
    id, timestamp, business, customer, market, category, pricing type, rate
    and cost (Decimal; None where nothing is charged, as for inbound).

    ``attrs["rejects"]`` holds the rejected rows, ``attrs["accounting"]``
    the rows counted by pricing type and the number rejected. ``into`` as
    for :func:`estimate` (``"json"``: the JSON lines)."""

    def read(text, rejects, exit_code):
        if into == "json":
            return text
        rows = [
            {k: (None if v == "" else Decimal(v)) if k in _MONEY else v for k, v in json.loads(line).items()}
            for line in text.splitlines()
            if line.strip()
        ]
        if into == "dict":
            return rows
        accounting = {"messages": len(rows), "rejected": len(rejects)}
        by_type = {}
        for r in rows:
            by_type[r.get("pricing_type", "")] = by_type.get(r.get("pricing_type", ""), 0) + 1
        accounting["by_pricing_type"] = dict(sorted(by_type.items()))
        if into == "arrow":
            import pyarrow as pa

            fields = list(rows[0]) if rows else []
            table = pa.table(
                {
                    f: (_decimal_column([r.get(f) for r in rows]) if f in _MONEY else pa.array([r.get(f) for r in rows]))
                    for f in fields
                }
            )
            return table.replace_schema_metadata({"wabill.accounting": json.dumps(accounting)})
        import pandas as pd

        frame = pd.DataFrame.from_records(rows)
        frame.attrs.update(accounting=accounting, rejects=rejects, exit_code=exit_code)
        return frame

    if into not in ("pandas", "arrow", "json", "dict"):
        raise ValueError(f"into={into!r}: one of pandas, arrow, json, dict")
    return _call("price", data, name, dict(options), [], read)


def merge(reports, *, format="json"):
    """Partial reports (JSON texts of :func:`estimate` with ``into="json"``
    on parts of one log, each part holding whole portfolios) merged into the
    whole log's report, as ``wabill merge``: returned as text in ``format``
    (json, table, csv, markdown)."""
    work = tempfile.mkdtemp(prefix="wabill-merge-")
    try:
        paths = []
        for i, text in enumerate(reports):
            path = os.path.join(work, f"part-{i:05}.json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            paths.append(path)
        out = os.path.join(work, "merged")
        _wabill.run(["wabill", "merge", *paths, "--format", format, "-o", out])
        with open(out, encoding="utf-8") as f:
            return f.read()
    finally:
        shutil.rmtree(work, ignore_errors=True)
