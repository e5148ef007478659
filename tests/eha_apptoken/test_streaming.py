"""Large bodies stream both ways: memory does not grow with the body size."""

import gc
import hashlib
import tracemalloc

import pytest
from django.http import StreamingHttpResponse

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def peak_while(function) -> tuple[int, object]:
    gc.collect()
    tracemalloc.start()
    try:
        result = function()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def download(client, size: int) -> int:
    response = client.get(f"/ext/bytes/{size}")
    assert isinstance(response, StreamingHttpResponse)
    received = 0
    for chunk in response.streaming_content:  # the test client closes it when exhausted
        received += len(chunk)
    return received


def test_a_large_download_is_streamed_not_buffered(extapp, alice):
    alice.get("/ext/echo")  # token obtained outside the measurement
    peak_1mb, received_1mb = peak_while(lambda: download(alice, MB))
    peak_8mb, received_8mb = peak_while(lambda: download(alice, 8 * MB))
    assert (received_1mb, received_8mb) == (MB, 8 * MB)
    assert peak_8mb < MB  # a buffered body alone would be 8 MB
    assert peak_8mb < peak_1mb + 512 * 1024  # does not grow with the body


def test_what_has_arrived_is_passed_on_without_waiting_for_a_full_chunk(extapp, alice):
    # The service sends a first piece, then waits (up to 10 s) for the release
    # below before sending the rest: a proxy that waited to fill a chunk would
    # only hand on the first piece after that wait.
    response = alice.get("/ext/trickle")
    pieces = iter(response.streaming_content)
    assert next(pieces) == b"first piece\n"
    extapp.release()
    assert b"".join(pieces) == b"the rest\n"
    assert extapp.trickles() == ["released"]


def test_content_length_and_type_come_back(extapp, alice):
    response = alice.get(f"/ext/bytes/{MB}")
    assert response["Content-Length"] == str(MB)
    assert response["Content-Type"] == "application/octet-stream"
    assert len(b"".join(response.streaming_content)) == MB


def test_a_large_upload_is_streamed_not_buffered(extapp, alice):
    alice.get("/ext/echo")
    body = b"u" * (8 * MB)

    def upload():
        response = alice.post("/ext/echo", data=body, content_type="application/octet-stream")
        b"".join(response.streaming_content)
        return response

    peak, response = peak_while(upload)
    assert response.status_code == 200
    seen = extapp.last()
    assert seen["body_length"] == len(body)
    assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    # The test client copies the body once into its fake input stream (8 MB);
    # the proxy itself must not hold another copy.
    assert peak < 8 * MB + 2 * MB
