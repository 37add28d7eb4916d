"""The Plotly config every chart of the app is drawn with: one place for the modebar's image export.

    st.plotly_chart(fig, config=chart_config("cache_map", "svg"))
    fig.to_html(config=chart_config("work_split"))

Pure: returns a plain dict (Plotly's `config`, passed through Streamlit to plotly.js). The camera
button of the modebar then saves the chart as PNG (at twice the screen's resolution, sharp when
projected or printed) or SVG (vector), named after the chart. No Streamlit here, so the HTML report
and the pages share it.
"""

from __future__ import annotations

import re
from typing import Any

FORMATS = ("png", "svg")  # what a visitor can choose between; plotly.js also knows jpeg and webp
DEFAULT_FORMAT = "png"
PNG_SCALE = 2  # pixels per CSS pixel in a saved PNG
FILE_PREFIX = "kvviz-"


def file_stem(name: str) -> str:
    """A safe download name from a chart's id: 'kvviz-cache_map' (letters, digits, '-', '_' only)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60]
    return FILE_PREFIX + (stem or "chart")


def chart_config(name: str, fmt: str = DEFAULT_FORMAT) -> dict[str, Any]:
    """Plotly's config for the chart `name`: modebar image export in `fmt` ("png" or "svg")."""
    fmt = fmt if fmt in FORMATS else DEFAULT_FORMAT
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": fmt,
            "filename": file_stem(name),
            # width/height left out: the image has the chart's size on screen
            "scale": PNG_SCALE if fmt == "png" else 1,
        },
    }
