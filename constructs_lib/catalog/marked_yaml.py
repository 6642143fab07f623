"""Read YAML into plain values that remember their line and column, refusing hostile files.

A catalogue is reviewed text, but the checker also runs on pull requests from anyone, so the reader
obeys nothing in the file: no Python objects or custom tags (only YAML's standard scalar types,
mappings and sequences), a bound on the file's size, on nesting, and on what aliases expand to (a
"billion laughs" file is refused after a few anchors, without ever expanding them). It builds its
own nodes from libyaml's event stream (PyYAML's C parser when present), in one pass and without
recursion, so memory stays proportional to the file. Duplicate keys are reported, not silently
resolved to the last one; every disallowed tag is reported, not only the first; a byte that is not
UTF-8 (or a control character) is reported at its own line and column. Pure Python over PyYAML.
"""

from __future__ import annotations

import gc
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
MAX_EXPANDED_CHARACTERS = MAX_BYTES
"""And in characters of its scalars: no more than a file may hold written out, so only aliases reach
it (a long value repeated by alias would otherwise be read, lowered and printed once per use)."""
MAX_DUPLICATE_KEYS = 1_000
"""Keys the file may repeat within their mapping, in all: each is a finding, and a file made of
repeats is refused at the first past this, rather than read to its end."""

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
    characters: int = 0
    """Characters of the scalars this one stands for with aliases expanded; bounded by
    ``MAX_EXPANDED_CHARACTERS``."""
    duplicates: list[Node] | tuple[()] = ()
    """Keys of a mapping that appear more than once (the later ones); a mapping's own list."""
    seen_keys: set[object] | tuple[()] = field(default=(), repr=False)


class YamlError(Exception):
    """The file is not YAML this reader accepts; ``rule_id`` says which rule, ``mark`` where.

    ``also`` holds the problems found after this one, when reading could go on past it (tags a
    catalogue refuses, values that do not fit their tag): ``problems`` lists them all in file order.
    """

    def __init__(
        self, rule_id: str, message: str, mark: Mark | None, also: tuple[YamlError, ...] = ()
    ) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.message = message
        self.mark = mark
        self.also = also

    @property
    def problems(self) -> tuple[YamlError, ...]:
        return (self, *self.also)


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The file's bytes, or ``YamlError`` when it is larger than ``limit``; reads no further."""
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise YamlError("EAP105", f"is larger than {limit:,} bytes; a catalogue is refused past that", None)
    return data


def load(data: bytes) -> Node | None:
    """The document in ``data`` as marked nodes (None for an empty document).

    A problem with one node (a tag, a value that does not fit its tag) does not stop the reader: it
    reads on and raises them all at the end, or with the problem that does stop it (syntax, a bound).
    """
    refused: list[YamlError] = []
    root: Node | None = None
    collecting = gc.isenabled()
    gc.disable()  # a million new nodes, none in a cycle: the collector would only rescan them
    try:
        root = _load(data, refused)
    except YamlError as stopped:
        refused.append(stopped)
    finally:
        if collecting:
            gc.enable()
    if refused:
        first, *rest = refused
        raise YamlError(first.rule_id, first.message, first.mark, tuple(rest))
    return root


def _load(data: bytes, refused: list[YamlError]) -> Node | None:
    scalars = _Scalars()
    anchors: dict[str, Node] = {}
    stack: list[tuple[Node, str | None]] = []
    root: Node | None = None
    repeated: list[Node] = []  # every duplicate key of the file
    documents = 0
    parser = _Parser(data)
    try:
        while (event := parser.get_event()) is not None:  # no generator: one call into libyaml per event
            kind = type(event)
            if kind is yaml.ScalarEvent:  # the most common event first
                try:
                    node = scalars.node(event)
                except YamlError as problem:
                    refused.append(problem)
                    node = Node("scalar", None, _mark(event), text=event.value)
                if event.anchor:
                    anchors[event.anchor] = node
                root = _attach(stack, node, repeated) or root
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                node, anchor = stack.pop()
                if anchor:
                    anchors[anchor] = node
                root = _attach(stack, node, repeated) or root
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                try:
                    _check_tag(event)
                except YamlError as problem:
                    refused.append(problem)
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
                root = _attach(stack, target, repeated, _mark(event)) or root
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlError("EAP100", "holds more than one YAML document", _mark(event))
    except yaml.reader.ReaderError as error:
        raise _unreadable(data, error) from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else None
        raise YamlError("EAP100", f"is not valid YAML: {_one_line(error.problem or error)}", where) from error
    except yaml.YAMLError as error:
        raise YamlError("EAP100", f"is not valid YAML: {_one_line(error)}", None) from error
    finally:
        parser.dispose()
    return root


def _attach(
    stack: list[tuple[Node, str | None]], node: Node, repeated: list[Node], mark: Mark | None = None
) -> Node | None:
    """Add ``node`` (written at ``mark``: an alias's, else its own) to the open collection, noting
    a key its mapping has already in ``repeated`` too; return it when it is the document's root."""
    if not stack:
        return node
    parent = stack[-1][0]
    parent.size += node.size
    parent.characters += node.characters
    if parent.characters > MAX_EXPANDED_CHARACTERS:
        bound = f"more than {MAX_EXPANDED_CHARACTERS:,} characters"
        message = f"expands to {bound} through aliases; write it out plainly"
        raise YamlError("EAP105", message, mark or node.mark)
    if parent.size > MAX_EXPANDED_NODES:
        bound = f"more than {MAX_EXPANDED_NODES:,} nodes"
        if mark is None:  # not at an alias: the file may hold that many keys, values and items itself
            message = (
                f"holds {bound} (keys, values and list items, an alias counting what it repeats); "
                "a catalogue is far smaller"
            )
        else:
            message = f"expands to {bound} through aliases; write it out plainly"
        raise YamlError("EAP105", message, mark or node.mark)
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
                repeated.append(node)
                if len(repeated) > MAX_DUPLICATE_KEYS:
                    message = (
                        f"repeats keys within their mapping more than {MAX_DUPLICATE_KEYS:,} times "
                        f"({node.text!r} here); a catalogue gives each key once per mapping"
                    )
                    raise YamlError("EAP105", message, node.mark)
            parent.seen_keys.add(node.value)
        parent.value.append((node, None))
    return None


class _Scalars:
    """Scalar events as nodes. Values repeat (actions, tag keys, ``true``), so each distinct plain
    scalar is resolved and constructed once: files of a million values read in about a second."""

    def __init__(self) -> None:
        self._resolver: Any = yaml.resolver.Resolver()
        self._constructor: Any = yaml.constructor.SafeConstructor()
        self._values: dict[tuple[str | None, str], Any] = {}

    def node(self, event: Any) -> Node:
        text = event.value
        start = event.start_mark
        mark = Mark(start.line + 1, start.column + 1)
        if event.tag is None and not event.implicit[0]:  # quoted: always a string
            return Node("scalar", text, mark, text, characters=len(text))
        key = (event.tag, text)
        value = self._values.get(key, _UNSEEN)
        if value is _UNSEEN:
            value = self._values[key] = self._value(event)
        return Node("scalar", value, mark, text, characters=len(text))

    def _value(self, event: Any) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = str(self._resolver.resolve(yaml.ScalarNode, event.value, event.implicit))
            if tag == _TIMESTAMP:  # a date is text to a catalogue: keep it as written
                tag = _STR
        _check_tag(event, tag)
        if tag == _STR:
            return event.value
        if tag in _COLLECTION_TAGS:  # `!!map x`: PyYAML would make it an empty dict
            raise _not_a(tag, event)
        try:
            return self._constructor.construct_object(yaml.ScalarNode(tag, event.value))
        except (ValueError, KeyError, yaml.constructor.ConstructorError) as error:  # `!!int abc`
            raise _not_a(tag, event) from error


_UNSEEN = object()


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


def _unreadable(data: bytes, error: yaml.reader.ReaderError) -> YamlError:
    """The one-line finding for a byte the reader cannot take, at that byte's line and column."""
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    position = error.position  # libyaml: a byte offset, at or after the byte that breaks the encoding
    character = error.character
    try:
        data.decode(encoding)
    except UnicodeDecodeError as undecodable:
        if undecodable.start <= position:
            position, character = undecodable.start, data[undecodable.start]
    if encoding == "utf-8" and data[position : position + 1] and data[position] >= 0x80:
        message = (
            f"is not UTF-8 text: byte 0x{data[position]:02X} begins no UTF-8 character here; "
            "save the catalogue as UTF-8"
        )
    else:
        message = f"is not valid YAML: character U+{character:04X} is not allowed ({error.reason})"
    before = data[:position].decode(encoding, errors="replace").removeprefix("\ufeff")
    line_start = before.rfind("\n") + 1
    return YamlError("EAP100", message, Mark(before.count("\n") + 1, len(before) - line_start + 1))


def _one_line(problem: object) -> str:
    return " ".join(str(problem).split())


def _mark(event: Any) -> Mark:
    return Mark(event.start_mark.line + 1, event.start_mark.column + 1)
