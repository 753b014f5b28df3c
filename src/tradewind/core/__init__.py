"""Scheduling decisions. Reads DagSpecs and store records; never imports user code."""
