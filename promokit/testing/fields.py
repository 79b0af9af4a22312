"""Hold a provider page's table of response fields to the wire Structs, field for field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import msgspec
from msgspec import inspect

_ROW = re.compile(r"^\|\s*`?([^|`]+?)`?\s*\|\s*`([^`]+)`\s*\|")


def wire_paths(tp: type, *, open_objects: Mapping[str, Iterable[str]] | None = None) -> set[str]:
    """Every JSON path holding a value in a response decoded into ``tp``, by wire name.

    Array items are ``[]`` (``data.coupons[].code``); a path holding an object or an
    array of objects is walked, not listed itself. A field typed as a free object
    (``dict``) has no fields to walk: ``open_objects`` names, by field name, the
    keys a provider reads in it (``{"promo_details": ("bin_list", ...)}``), listed
    as ``promo_details.bin_list``, plus ``promo_details.*`` for any other key.
    """
    found: set[str] = set()
    _walk(inspect.type_info(tp), "", found, dict(open_objects or {}))
    return found


def _walk(
    info: inspect.Type, path: str, found: set[str], open_objects: dict[str, Iterable[str]]
) -> None:
    if isinstance(info, inspect.StructType):
        for field in info.fields:
            child = f"{path}.{field.encode_name}" if path else field.encode_name
            if not _holds_objects(field.type):
                found.add(child)
            _walk(field.type, child, found, open_objects)
    elif isinstance(info, inspect.UnionType):
        for member in info.types:
            _walk(member, path, found, open_objects)
    elif isinstance(info, inspect.ListType | inspect.TupleType | inspect.VarTupleType):
        items = getattr(info, "item_type", None)
        for item in [items] if items is not None else getattr(info, "item_types", ()):
            _walk(item, f"{path}[]", found, open_objects)
    elif isinstance(info, inspect.DictType):
        name = path.rpartition(".")[2].removesuffix("[]")
        if name in open_objects:
            found.update(f"{path}.{key}" for key in open_objects[name])
            found.add(f"{path}.*")


def _holds_objects(info: inspect.Type) -> bool:
    """A Struct, or an array of Structs (optional or not): walked, not listed."""
    if isinstance(info, inspect.UnionType):
        members = [m for m in info.types if not isinstance(m, inspect.NoneType)]
        return bool(members) and all(_holds_objects(m) for m in members)
    if isinstance(info, inspect.ListType | inspect.VarTupleType):
        return _holds_objects(info.item_type)
    return isinstance(info, inspect.StructType)


def documented_paths(markdown: str, heading: str) -> dict[str, set[str]]:
    """The ``| response | `path` | … |`` rows under ``heading``, by response name."""
    lines = markdown.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        raise AssertionError(f"no {heading!r} section") from None
    rows: dict[str, set[str]] = {}
    for line in lines[start + 1 :]:
        if line.startswith("#") and not line.startswith("###"):
            break
        match = _ROW.match(line)
        if match and match.group(1).strip() not in ("response", "---"):
            rows.setdefault(match.group(1).strip(), set()).add(match.group(2).strip())
    return rows


def field_table_problems(
    markdown: str,
    heading: str,
    responses: Mapping[str, type[msgspec.Struct]],
    *,
    open_objects: Mapping[str, Iterable[str]] | None = None,
    common: type[msgspec.Struct] | None = None,
) -> list[str]:
    """Response fields the table under ``heading`` does not list, and rows no Struct has.

    ``responses`` maps each table's response name (first column) to the wire
    Struct it decodes into. The paths of ``common`` (an envelope the responses
    subclass, itself one of ``responses``) are listed once, under its own name.
    An empty list means the table and the Structs agree.
    """
    table = documented_paths(markdown, heading)
    problems = [f"{name}: no rows in the table" for name in responses if name not in table]
    problems += [
        f"{name}: a table of no response Struct" for name in table if name not in responses
    ]
    shared = set() if common is None else wire_paths(common, open_objects=open_objects)
    for name, tp in responses.items():
        wire = wire_paths(tp, open_objects=open_objects)
        if common is not None and tp is not common and issubclass(tp, common):
            wire -= shared
        listed = table.get(name, set())
        problems += [f"{name}: `{path}` is not in the table" for path in sorted(wire - listed)]
        problems += [f"{name}: `{path}` is in no wire Struct" for path in sorted(listed - wire)]
    return problems
