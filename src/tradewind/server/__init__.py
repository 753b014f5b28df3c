"""Long-running processes assembled from the layers: scheduler, DAG processor, standalone.

Like ``cli``, this package sits on top: it wires storage, core, executors and runtime
together, and holds no scheduling decisions of its own (those are in ``core``).
"""
