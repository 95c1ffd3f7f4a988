"""The work each task does on one chunk, as plain functions (testable without Prefect)."""
