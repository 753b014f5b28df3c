"""Data-only models shared across processes: states, serialized DAGs, workloads, events."""
