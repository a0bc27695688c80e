"""Injected failures in the real API's shapes, asked for by tests or a seeded share of requests."""
