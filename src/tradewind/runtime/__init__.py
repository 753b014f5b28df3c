"""The only package that imports user code: loading DAG files and running tasks."""
