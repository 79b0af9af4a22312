"""Every problem of a parsed TOML/JSON table against a msgspec Struct, at once, with near misses."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from promokit.errors import Problem

DecHook = Callable[[type, Any], Any] | None


def near_miss(word: str, choices: typing.Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def table_problems(
    raw: Any, cls: type[msgspec.Struct], path: str, *, dec_hook: DecHook = None
) -> list[Problem]:
    """What is wrong with ``raw`` as a ``cls``: unknown keys, missing keys, wrong types.

    Each key is checked on its own, so one mistake does not hide the next; tables
    nested as structs (or tagged unions of structs) are checked the same way.
    """
    if not isinstance(raw, dict):
        return [Problem(path, f"must be a table, got {_kind(raw)}")]
    fields = {field.encode_name: field for field in msgspec.structs.fields(cls)}
    problems: list[Problem] = []
    tag_field = cls.__struct_config__.tag_field
    for key in raw:
        if key not in fields and key != tag_field:
            problems.append(
                Problem(_join(path, str(key)), "unknown key" + near_miss(str(key), fields))
            )
    for name, field in fields.items():
        where = _join(path, name)
        if name not in raw:
            if field.required:
                problems.append(Problem(where, "required"))
            continue
        problems.extend(value_problems(raw[name], field.type, where, dec_hook=dec_hook))
    return problems


def value_problems(value: Any, kind: Any, path: str, *, dec_hook: DecHook = None) -> list[Problem]:
    """What is wrong with ``value`` as a ``kind`` (recursing into struct tables)."""
    struct = _struct_for(value, kind)
    if struct is not None:
        return table_problems(value, struct, path, dec_hook=dec_hook)
    if typing.get_origin(kind) is dict and isinstance(value, dict):
        _key_type, item_type = typing.get_args(kind)
        if _is_struct(item_type):
            return [
                problem
                for key, item in value.items()
                for problem in table_problems(
                    item, item_type, _join(path, str(key)), dec_hook=dec_hook
                )
            ]
    if typing.get_origin(kind) is typing.Literal and isinstance(value, str):
        allowed = [str(option) for option in typing.get_args(kind)]
        if value not in allowed:
            choices = ", ".join(repr(option) for option in allowed)
            return [Problem(path, f"must be one of {choices}" + near_miss(value, allowed))]
        return []
    try:
        msgspec.convert(value, kind, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        return [_located(path, str(exc))]
    return []


def _struct_for(value: Any, kind: Any) -> type[msgspec.Struct] | None:
    """The struct ``value`` should be: ``kind`` itself, or the union member its tag names."""
    if _is_struct(kind):
        return typing.cast(type[msgspec.Struct], kind)
    if typing.get_origin(kind) not in (typing.Union, types.UnionType) or not isinstance(
        value, dict
    ):
        return None
    members = [m for m in typing.get_args(kind) if _is_struct(m)]
    for member in members:
        config = member.__struct_config__
        if config.tag_field is not None and value.get(config.tag_field) == config.tag:
            return typing.cast(type[msgspec.Struct], member)
    return None


def _is_struct(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, msgspec.Struct)


def _located(path: str, message: str) -> Problem:
    # msgspec says "Expected `int`, got `str` - at `$[0].x`": keep the message, move the place.
    text, _, where = message.partition(" - at `$")
    suffix = where.rstrip("`")
    text = text.replace("Object contains unknown field", "unknown key")
    return Problem(path + (suffix if suffix.startswith("[") else _dot(suffix)), text)


def _dot(suffix: str) -> str:
    return suffix if not suffix or suffix.startswith(".") else "." + suffix


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "a table", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)
