from tradewind import DAG


def load_settings():
    raise ValueError("settings.yaml is missing")


with DAG("raises_at_import"):
    load_settings()
