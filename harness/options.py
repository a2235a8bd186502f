"""Declared options: each reader, experiment and run declares its options once, as a dataclass, and is handed them
typed.

A declaration is a dataclass deriving from :class:`Options` (not frozen: Hydra applies overrides to it); every field is an option, its annotation its
type, its default the default (declared nowhere else) and ``metadata["help"]`` its one-line meaning (made with
:func:`option`). The same class is Hydra's structured config for the option group (registered in Hydra's config
store by ``harness.app``), so the command line shows and type-checks it, and it is what Python callers build from
a plain mapping with :meth:`Options.parse`.

``parse`` is the one door: a key the class does not declare is refused by name with the known ones — whether it
came from a ``+key=`` addition on the command line (which Hydra lets through), a YAML file or a Python dict — and
each value is read by its annotation (yes/no, whole number, finite number, text, list, mapping), so an option
means the same whoever gave it.
"""
from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ClassVar

from harness.config import flag, integer, number, to_plain
from harness.errors import ConfigError

MISSING = dataclasses.MISSING


def option(default=MISSING, help: str = "", *, minimum: float | None = None, choices: tuple = (),
           factory=MISSING, items: type | None = None, values: type | None = None) -> Any:
    """A declared option: its default (or ``factory`` for a list or mapping), its meaning in one line, and the
    bounds ``parse`` enforces (``minimum`` for a number, ``choices`` for a word). ``items``: the option is a list of
    that type where one value alone means a list of one (``pairs=zh-en``, ``sizes=50``); annotate it ``Any`` (or
    ``Optional[Any]``), since Hydra would refuse the single value a ``List`` annotation does not hold.
    ``values``: the option is a mapping with values of that type, built key by key on the command line
    (``+data.types.lr=log``: annotate it ``Any``, since Hydra adds no key to a typed empty mapping)."""
    meta = {"help": help, "minimum": minimum, "choices": tuple(choices), "items": items, "values": values}
    if factory is not MISSING:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclasses.dataclass
class Options:
    """Base of every declared options type. ``section`` names the options in messages (``data``, ``size_sweep``);
    a subclass sets it."""

    section: ClassVar[str] = "options"

    @classmethod
    def known(cls) -> list[str]:
        """The option names, in declaration order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def parse(cls, values: Mapping | None = None, where: str | None = None, **given):
        """The options of ``values`` (a mapping, a Hydra node) and ``given``, each read by its declared type;
        an undeclared key is a :class:`ConfigError` naming it and the known ones. ``where`` prefixes option
        names in messages (default: the class's ``section``)."""
        where = cls.section if where is None else where
        raw = dict(to_plain(values) or {})
        raw.update(given)
        unknown = [str(k) for k in raw if k not in _hints(cls)]
        if unknown:
            raise ConfigError(f"{_name(where, unknown[0])}: unknown option; known: {', '.join(cls.known())}")
        out = {}
        for f in dataclasses.fields(cls):
            if f.name in raw:
                value = raw[f.name]
            elif f.default is not MISSING:
                value = f.default
            elif f.default_factory is not MISSING:
                value = f.default_factory()
            else:
                raise ConfigError(f"{_name(where, f.name)} is required: {f.metadata.get('help') or 'give a value'}")
            out[f.name] = _read(value, _hints(cls)[f.name], f, _name(where, f.name))
        return cls(**out)

    def as_dict(self) -> dict:
        """The options as a plain mapping (what ``parse`` reads back to the same options)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def replace(self, **changes):
        """These options with ``changes``, each read as ``parse`` reads it."""
        return type(self).parse({**self.as_dict(), **changes})


def help_lines(cls: type[Options]) -> list[str]:
    """``name: type = default  # meaning`` per option, for ``--help`` and the docs."""
    out = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not MISSING else (
            f.default_factory() if f.default_factory is not MISSING else "(required)")
        out.append(f"{f.name} = {default!r}  # {f.metadata.get('help', '')}".rstrip(" #"))
    return out


@lru_cache(maxsize=None)
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _read(value, hint, f: dataclasses.Field, name: str, top: bool = True):
    """``value`` read as the annotation ``hint`` (and the field's ``items``/``values``) says, within its bounds."""
    value = to_plain(value)
    if top and (f.metadata.get("items") or f.metadata.get("values")) is not None:
        if value is None:
            return None if f.metadata.get("items") else {}
        if f.metadata.get("items") is not None:
            items = list(value) if isinstance(value, (list, tuple)) else [value]
            return tuple(_read(v, f.metadata["items"], f, f"{name}[{i}]", False) for i, v in enumerate(items))
        if not isinstance(value, Mapping):
            raise ConfigError(f"{name}={value!r}: expected a mapping, e.g. {{key: value}}")
        return {str(k): _read(v, f.metadata["values"], f, f"{name}.{k}", False) for k, v in value.items()}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union:  # Optional[X]: None stays None, else X
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if hint is bool:
        return flag(value, name)
    if hint is int:
        return integer(value, name, f.metadata.get("minimum"))
    if hint is float:
        out = number(value, name)
        least = f.metadata.get("minimum")
        if least is not None and out < least:
            raise ConfigError(f"{name}={value!r} must be at least {least:g}")
        return out
    if hint is str:
        if value is None or isinstance(value, (Mapping, list, tuple)):
            raise ConfigError(f"{name}={value!r}: expected a word or a path")
        text = str(value)
        choices = f.metadata.get("choices") or ()
        if choices and text not in choices:
            words = " or ".join(choices) if len(choices) == 2 else "one of " + ", ".join(choices)
            raise ConfigError(f"{name}={text!r}: expected {words}")
        return text
    if origin in (list, tuple) or hint in (list, tuple):
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        inner = args[0] if args else Any
        return tuple(_read(v, inner, f, f"{name}[{i}]", False) for i, v in enumerate(items))
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{name}={value!r}: expected a mapping, e.g. {{key: value}}")
        inner = args[1] if len(args) == 2 else Any
        return {str(k): _read(v, inner, f, f"{name}.{k}", False) for k, v in value.items()}
    return value
