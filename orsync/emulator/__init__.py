"""A local, faithful OpenRouter: org state, routes, inference fakes and fault injection.

`EmulatorApp` answers requests in-process; `EmulatorTransport` plugs it into httpx and
`EmulatorServer` serves it over loopback HTTP. Route modules are the `routes_*.py` files of
this package; the app discovers them, so a new family of endpoints never edits the app.
"""
