"""A local, faithful OpenRouter: org state, routes, inference fakes and fault injection.

`EmulatorApp` answers requests in-process; `EmulatorTransport` plugs it into httpx and
`EmulatorServer` serves it over loopback HTTP. Its parts: `store/` (the org's state, its
records, storage and seeds), `routes/` (one module per API area, discovered by the app, so a
new family of endpoints never edits the app), `inference/` (fake answers, model choice, the
usage ledger), `faults/` (injected failures) and `catalog/` (models and providers).
"""
