"""Fake inference: answers, streams, model and provider choice, and what each call costs."""
