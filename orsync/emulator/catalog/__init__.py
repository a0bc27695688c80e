"""The model and provider catalog: its data and the JSON forms the catalog endpoints answer."""
