"""The emulated organization's state: its records, their storage, and the seeds that fill it."""
