"""The adapter's one retry when a kept-alive connection closes under a request."""

from __future__ import annotations

import asyncio

import pytest
import urllib3
from kubernetes import client

from troupe.adapter import Adapter


class _Reply:
    data = b'{"ok": true}'


def _closing_once(failures: int):
    calls = []

    def fn(*args, **kwargs):
        calls.append(args)
        if len(calls) <= failures:
            raise urllib3.exceptions.ProtocolError("Connection aborted.")
        return _Reply()

    return fn, calls


def test_a_call_whose_connection_closed_is_sent_once_more():
    fn, calls = _closing_once(failures=1)
    adapter = Adapter(client.ApiClient(client.Configuration()), concurrency=2)
    assert asyncio.run(adapter._call(fn, "ns", {"kind": "Pod"})) == {"ok": True}
    assert calls == [("ns", {"kind": "Pod"})] * 2


def test_a_connection_that_closes_again_is_an_error():
    fn, calls = _closing_once(failures=2)
    adapter = Adapter(client.ApiClient(client.Configuration()), concurrency=2)
    with pytest.raises(urllib3.exceptions.ProtocolError):
        asyncio.run(adapter._call(fn, "ns", {"kind": "Pod"}))
    assert len(calls) == 2
