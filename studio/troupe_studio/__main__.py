"""`troupe-studio`: run the service with uvicorn (flags and TROUPE_STUDIO_* env; --help)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    from .app import create_app
    from .settings import parse

    settings, listen = parse(sys.argv[1:] if argv is None else argv)
    if not settings.store_access_key:
        print(
            "troupe-studio: no store credentials: start the local cluster (make cluster) or set "
            "TROUPE_STORE_ENDPOINT/_ACCESS_KEY/_SECRET_KEY",
            file=sys.stderr,
        )
    uvicorn.run(create_app(settings), host=listen["host"], port=listen["port"], log_level="info")


if __name__ == "__main__":
    main()
