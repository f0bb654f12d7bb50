"""`troupe-studio`: the service's entry point (filled in by the service's HTTP layer)."""


def main() -> None:
    raise SystemExit("troupe-studio: the service is not built yet")
