"""The run taken away: its tables as CSV (tables.py) and a one-page HTML report that opens offline (html.py)."""
