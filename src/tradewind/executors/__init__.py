"""Executors move workloads to where tasks run and bring events back. Data only."""
