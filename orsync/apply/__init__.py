"""Executing a Plan: ordering, bounded concurrency, lost responses, secrets, the summary.

- executor.py: phases of the plan run in order, independent changes concurrently; dependencies
- creates.py: a create whose answer was lost (adopt, or delete and create once more)
- assignments.py: one call per guardrail, counts checked
- journal.py: the outcome of every change; summary.py: the outcome in words
- saved.py: whether a saved plan still describes the org; session.py: the `apply` command's flow
"""

from orsync.apply.executor import Executor, require_sink
from orsync.apply.journal import DONE, FAILED, NOT_ATTEMPTED, Journal, Outcome

__all__ = ["DONE", "FAILED", "NOT_ATTEMPTED", "Executor", "Journal", "Outcome", "require_sink"]
