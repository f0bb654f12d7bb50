"""A few S3 calls signed with AWS Signature V4, on the standard library only.

The tests need them where no S3 library is installed: inside a pod of the base image (this
file is mounted there and run as a script) as well as on the host. Not a client for the
product: only what a test of the store needs.
Usage in a pod: python3 s3.py METHOD URL [BODY]   (credentials from TROUPE_STORE_* env)
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import sys
import urllib.request
from urllib.parse import quote, urlparse


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signed_headers(
    method: str, url: str, body: bytes, access: str, secret: str, region: str, now=None
) -> dict[str, str]:
    """The headers that authenticate one request (no query string, path-style bucket)."""
    parts = urlparse(url)
    stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%dT%H%M%SZ")
    payload = hashlib.sha256(body).hexdigest()
    names = "host;x-amz-content-sha256;x-amz-date"
    canonical = "\n".join(
        [
            method,
            quote(parts.path or "/"),
            "",
            f"host:{parts.netloc}\nx-amz-content-sha256:{payload}\nx-amz-date:{stamp}\n",
            names,
            payload,
        ]
    )
    scope = f"{stamp[:8]}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret).encode()
    for part in (stamp[:8], region, "s3", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-date": stamp,
        "x-amz-content-sha256": payload,
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={names}, "
            f"Signature={signature}"
        ),
    }


def call(method: str, url: str, body: bytes = b"", env=os.environ) -> bytes:
    """One signed request with the TROUPE_STORE_* credentials; returns the response body."""
    headers = signed_headers(
        method,
        url,
        body,
        env["TROUPE_STORE_ACCESS_KEY"],
        env["TROUPE_STORE_SECRET_KEY"],
        env.get("TROUPE_STORE_REGION", "us-east-1"),
    )
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


if __name__ == "__main__":
    data = sys.argv[3].encode() if len(sys.argv) > 3 else b""
    sys.stdout.write(call(sys.argv[1], sys.argv[2], data).decode())
