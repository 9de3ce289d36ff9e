"""The DataFrame of a report: printed whole, with its totals and accounting."""

import pandas as pd


class Report(pd.DataFrame):
    """A report's rows (a pandas DataFrame), ``attrs`` holding the rest.
    Printed, it shows every row and column, then the totals and the
    accounting; frames derived from it are plain DataFrames."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def __repr__(self):
        body = pd.DataFrame.to_string(self)
        meta = self.attrs.get("meta", {})
        totals = self.attrs.get("totals", {})
        accounting = self.attrs.get("accounting", {})
        lines = [body]
        if totals:
            lines.append(
                "total: "
                + ", ".join(f"{k} {v}" for k, v in totals.items())
                + (f" {meta['currency']}" if "currency" in meta else "")
            )
        if accounting:
            lines.append("accounting: " + ", ".join(f"{k} {v}" for k, v in accounting.items()))
        return "\n".join(lines)

    __str__ = __repr__
