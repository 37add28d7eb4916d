"""Tables for st.dataframe, made once for every visitor of the process.

st.dataframe turns a list of rows or a pandas frame into Arrow on every rerun (1-2 ms a table, on
every click of every visitor in a room); an Arrow table goes through as it is. The table is kept
in kvviz.analysis.memo, keyed by the objects its rows are made from (a shared Step, a comparison)
and the language of its words, never by session.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pyarrow as pa

from kvviz.analysis import memo
from kvviz.text import language


def shared_table(name: str, anchors: tuple, rows: Callable[[], list],
                 columns: list[str] | None = None) -> pa.Table | pd.DataFrame:
    """The Arrow table of rows() (dicts, or lists under `columns`), made once per (name, the objects
    in `anchors` by identity, the language); the pandas frame where a column mixes types Arrow cannot
    hold (st.dataframe then converts it as it always did). Never mutate what it returns: it is shared."""
    def make() -> pa.Table | pd.DataFrame:
        frame = pd.DataFrame(rows(), columns=columns)
        try:
            return pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            return frame

    return memo.shared.get(("table", name, language()), anchors, make)
