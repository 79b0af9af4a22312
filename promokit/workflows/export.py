"""Export every promotion of a provider as neutral JSON, exact (detail reads) and resumable."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from promokit.errors import InvalidInput, Problem
from promokit.workflows.files import dump_promotion

if TYPE_CHECKING:
    from promokit.client import Client

HEAD = '{"promotions": [\n'
TAIL = "\n]}\n"

Progress = Callable[[int, int], None]
"""Called after each promotion with (promotions in the export, of them from an earlier run)."""


def resume_point(path: Path) -> tuple[set[str], int, int]:
    """What an earlier export to ``path`` left: (promotion ids, how many, where to append).

    The export writes one promotion per line, so each complete line of a file cut
    short is a promotion; a torn last line (or the closing ``]}``) is cut off and
    written again. The offset is ``-1`` when there is nothing to resume. A file
    that is not an export is refused (:class:`InvalidInput`), never overwritten.
    """
    if not path.exists():
        return set(), 0, -1
    data = path.read_bytes()
    if not data.strip():
        return set(), 0, -1
    if not data.startswith(HEAD.encode()):
        raise InvalidInput(
            f"{path} is not a promokit export, so it is neither resumed nor overwritten; "
            "choose another --output",
            problems=[Problem("--output", "an existing file that is not an export")],
        )
    ids: set[str] = set()
    count, end, offset = 0, len(HEAD), len(HEAD)
    for line in data[len(HEAD) :].split(b"\n"):
        text = line.rstrip(b",")
        try:
            item = json.loads(text)
        except ValueError:  # torn (or not ours): written again
            break
        if not isinstance(item, dict) or "name" not in item:
            break
        count += 1
        if isinstance(item.get("id"), str):
            ids.add(item["id"])
        end = offset + len(text)
        offset += len(line) + 1
    return ids, count, end


async def export(
    client: Client,
    provider: str | None,
    out: IO[str],
    *,
    status: str | None = None,
    detail: bool = True,
    done: set[str] | None = None,
    carried: int = 0,
    on_progress: Progress | None = None,
) -> int:
    """Write every promotion of ``provider`` to ``out``; return how many the export holds.

    With ``detail``, a list entry with ``unknown`` fields (Mayar's summaries lack
    code, quota, minimum purchase and more) is read again with ``get``, paced by the
    provider's rate limit, so the export can be planned and created elsewhere.
    ``done`` and ``carried`` resume an interrupted export (see :func:`resume_point`):
    ``out`` then already holds ``carried`` promotions, whose ids are in ``done`` and
    which are neither fetched nor written again.
    """
    exact = detail and client.provider(provider).manifest.supports("get")
    seen = done or set()
    count = carried
    if not carried:
        out.write(HEAD)
    async for listed in client.list(provider, status=status):
        if listed.id is not None and listed.id in seen:
            continue
        promotion = listed
        if exact and listed.unknown and listed.id is not None:
            promotion = await client.get(listed.id, provider)
        out.write(
            (",\n" if count else "") + json.dumps(dump_promotion(promotion), ensure_ascii=False)
        )
        out.flush()
        count += 1
        if on_progress is not None:
            on_progress(count, carried)
    out.write(TAIL)
    out.flush()
    return count


async def export_to_file(
    client: Client,
    provider: str | None,
    path: Path,
    *,
    status: str | None = None,
    detail: bool = True,
    on_progress: Progress | None = None,
) -> tuple[int, int]:
    """:func:`export` into ``path``, resuming what an earlier run left there.

    Returns (promotions in the file, of them from the earlier run). A file that
    cannot be read or written is :class:`InvalidInput` naming it; what was written
    before a failure stays, for the next run to resume.
    """
    try:
        done, carried, end = resume_point(path)
        if not carried:
            end = -1  # nothing worth keeping: start afresh
        if end >= 0:
            with path.open("r+b") as raw:
                raw.truncate(end)
        with path.open("a" if end >= 0 else "w", encoding="utf-8") as out:
            count = await export(
                client,
                provider,
                out,
                status=status,
                detail=detail,
                done=done,
                carried=carried,
                on_progress=on_progress,
            )
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the export to {path}: {exc.strerror or exc}",
            problems=[Problem("--output", exc.strerror or str(exc))],
        ) from None
    return count, carried
