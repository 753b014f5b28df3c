"""Request and response models of the REST API, with Airflow 3's field names.

``…Create`` and ``…Patch`` are request bodies (unknown fields are refused, naming them);
``…Read`` a resource as returned; ``…CollectionRead`` a page of them with ``total_entries``,
the number of matching resources across all pages.
"""
