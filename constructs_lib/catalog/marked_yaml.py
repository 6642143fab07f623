"""Read YAML into plain values that remember their line and column, refusing hostile files.

A catalogue is reviewed text, but the checker also runs on pull requests from anyone, so the reader
obeys nothing in the file: no Python objects or custom tags (only YAML's standard scalar types,
mappings and sequences), a bound on the file's size, on nesting, and on what aliases expand to (a
"billion laughs" file is refused after a few anchors, without ever expanding them). It builds its
own nodes from libyaml's event stream (PyYAML's C parser when present), in one pass and without
recursion, so memory stays proportional to the file. Duplicate keys are reported, not silently
resolved to the last one. Pure Python over PyYAML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

MAX_BYTES = 8 * 1024 * 1024
"""The largest catalogue read: about 25,000 profiles of typical size."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences; a catalogue needs about eight."""
MAX_EXPANDED_NODES = 1_000_000
"""What the document may hold once every alias is expanded, in nodes."""

_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = frozenset(("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"))
_STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "map", "seq")
)

try:
    _Parser: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover  (PyYAML built without libyaml)
    _Parser = yaml.SafeLoader


class Mark(NamedTuple):
    """A position in the file, 1-based as editors show it."""

    line: int
    column: int


@dataclass(slots=True)
class Node:
    """A mapping (``value``: list of (key node, value node)), a sequence (list of nodes) or a scalar."""

    kind: str
    """``map``, ``seq`` or ``scalar``."""
    value: Any
    mark: Mark
    text: str = ""
    """A scalar as written in the file."""
    size: int = 1
    """Nodes this one stands for with aliases expanded; bounded by ``MAX_EXPANDED_NODES``."""
    duplicates: list[Node] | tuple[()] = ()
    """Keys of a mapping that appear more than once (the later ones); a mapping's own list."""
    seen_keys: set[object] | tuple[()] = field(default=(), repr=False)


class YamlError(Exception):
    """The file is not YAML this reader accepts; ``rule_id`` says which rule, ``mark`` where."""

    def __init__(self, rule_id: str, message: str, mark: Mark | None) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.message = message
        self.mark = mark


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The file's bytes, or ``YamlError`` when it is larger than ``limit``; reads no further."""
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise YamlError("EAP105", f"is larger than {limit:,} bytes; a catalogue is refused past that", None)
    return data


def load(data: bytes) -> Node | None:
    """The document in ``data`` as marked nodes (None for an empty document)."""
    resolver: Any = yaml.resolver.Resolver()
    resolved: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(value: str, implicit: tuple[bool, bool]) -> str:
        """The tag of a plain scalar; values repeat (actions, tag keys), so each is resolved once."""
        key = (value, implicit)
        tag = resolved.get(key)
        if tag is None:
            tag = resolved[key] = str(resolver.resolve(yaml.ScalarNode, value, implicit))
        return tag

    constructor = yaml.constructor.SafeConstructor()
    anchors: dict[str, Node] = {}
    stack: list[tuple[Node, str | None]] = []
    root: Node | None = None
    documents = 0
    try:
        events: Iterator[Any] = yaml.parse(data, Loader=_Parser)
        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent:  # the most common event first
                node = _scalar(event, resolve, constructor)
                if event.anchor:
                    anchors[event.anchor] = node
                root = _attach(stack, node) or root
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                node, anchor = stack.pop()
                if anchor:
                    anchors[anchor] = node
                root = _attach(stack, node) or root
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                _check_tag(event)
                if len(stack) >= MAX_DEPTH:
                    raise YamlError("EAP105", f"nests deeper than {MAX_DEPTH} levels", _mark(event))
                if kind is yaml.MappingStartEvent:
                    node = Node("map", [], _mark(event), duplicates=[], seen_keys=set())
                else:
                    node = Node("seq", [], _mark(event))
                stack.append((node, event.anchor))
            elif kind is yaml.AliasEvent:
                target = anchors.get(event.anchor or "")
                if target is None:  # never defined, or defined around the alias itself: `a: &x [*x]`
                    raise YamlError("EAP100", f"alias *{event.anchor} has no anchor", _mark(event))
                root = _attach(stack, target, _mark(event)) or root
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlError("EAP100", "holds more than one YAML document", _mark(event))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else None
        raise YamlError("EAP100", f"is not valid YAML: {error.problem or error}", where) from error
    except yaml.YAMLError as error:
        raise YamlError("EAP100", f"is not valid YAML: {error}", None) from error
    return root


def _attach(stack: list[tuple[Node, str | None]], node: Node, mark: Mark | None = None) -> Node | None:
    """Add ``node`` (written at ``mark``: an alias's, else its own) to the open collection; return
    it when it is the document's root."""
    if not stack:
        return node
    parent = stack[-1][0]
    parent.size += node.size
    if parent.size > MAX_EXPANDED_NODES:
        raise YamlError(
            "EAP105",
            f"expands to more than {MAX_EXPANDED_NODES:,} nodes through aliases; write it out plainly",
            mark or node.mark,
        )
    if parent.kind == "seq":
        parent.value.append(node)
    elif parent.value and parent.value[-1][1] is None:
        parent.value[-1] = (parent.value[-1][0], node)
    else:
        if node.kind == "scalar" and isinstance(node.value, str | int | float | bool):
            assert isinstance(parent.duplicates, list)
            assert isinstance(parent.seen_keys, set)
            if node.value in parent.seen_keys:
                parent.duplicates.append(node)
            parent.seen_keys.add(node.value)
        parent.value.append((node, None))
    return None


def _scalar(event: Any, resolve: Callable[[str, tuple[bool, bool]], str], constructor: Any) -> Node:
    tag = event.tag
    if tag is None and not event.implicit[0]:  # quoted: always a string
        tag = _STR
    elif tag is None or tag == "!":
        tag = resolve(event.value, event.implicit)
        if tag == _TIMESTAMP:  # a date is text to a catalogue: keep it as written
            tag = _STR
    _check_tag(event, tag)
    if tag == _STR:  # most scalars: nothing to construct
        return Node("scalar", event.value, _mark(event), text=event.value)
    if tag in _COLLECTION_TAGS:  # `!!map x`: PyYAML would make it an empty dict
        raise _not_a(tag, event)
    try:
        value = constructor.construct_object(yaml.ScalarNode(tag, event.value))
    except (ValueError, KeyError, yaml.constructor.ConstructorError) as error:  # `!!int abc`
        raise _not_a(tag, event) from error
    return Node("scalar", value, _mark(event), text=event.value)


def _not_a(tag: str, event: Any) -> YamlError:
    short = tag.removeprefix("tag:yaml.org,2002:")
    return YamlError("EAP100", f"is not valid YAML: {event.value!r} is not a !!{short}", _mark(event))


def _check_tag(event: Any, tag: str | None = None) -> None:
    tag = tag if tag is not None else event.tag
    if tag is None or tag in _STANDARD_TAGS:
        return
    if tag == _MERGE:
        message = "is a merge key ('<<'); a catalogue does not merge mappings: use its defaults: section"
        raise YamlError("EAP105", message, _mark(event))
    raise YamlError(
        "EAP105",
        f"uses the tag {tag!r}; a catalogue takes plain YAML only (strings, numbers, booleans, "
        "lists and mappings), never Python objects or custom tags",
        _mark(event),
    )


def _mark(event: Any) -> Mark:
    return Mark(event.start_mark.line + 1, event.start_mark.column + 1)
