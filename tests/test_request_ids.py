"""Our X-Request-Id values: unique within a process and across forked workers."""

from __future__ import annotations

import os
import warnings

import pytest

from promokit.http import transport


def test_ids_count_up_under_one_process_prefix() -> None:
    first, second = transport.new_request_id(), transport.new_request_id()
    prefix, _, number = first.rpartition("_")
    assert prefix.startswith("pk_")
    assert second == f"{prefix}_{int(number) + 1}"
    assert f"{os.getpid():x}" in prefix


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_worker_does_not_repeat_its_parents_ids() -> None:
    transport.new_request_id()  # the parent's sequence is under way
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process that has threads.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.write(write_end, transport.new_request_id().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        child_id = pipe.read().decode()
    os.waitpid(child, 0)
    parent_next = transport.new_request_id()
    assert child_id.rpartition("_")[0] != parent_next.rpartition("_")[0]
    assert child_id.endswith("_1")  # a fresh sequence, under the child's own prefix
