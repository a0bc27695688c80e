"""Read-only presentation: tables that fit the terminal, usage bars, `get` views and reports.

Nothing here calls the API on import; the `get` views take a client, the rest take plain data.
"""
