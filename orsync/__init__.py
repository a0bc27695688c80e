"""orsync: an OpenRouter organization (keys, guardrails, assignments) as code."""

__version__ = "0.2.0"
