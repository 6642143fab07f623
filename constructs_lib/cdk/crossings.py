"""Answers from aws-cdk-lib that Python can give itself, or that never change once asked.

Every call into aws-cdk-lib crosses into its Node.js process and back (jsii), which costs more than
most of what a profile does. These helpers answer without crossing, or cross once per scope:
- ``is_unresolved``: for a string, aws-cdk-lib's own test (``Token.isUnresolved``: its string-token
  and stringified-number patterns), run in Python; anything else still asks aws-cdk-lib;
- ``node_path``, ``stack_of`` and ``context``: a construct's path and stack never change, and CDK
  refuses new context on a scope once it has children, so each is read once per scope; ``adopt``
  tells them a new construct's path and stack, which its scope gives;
- ``resolved_once``: a value that resolves alike everywhere in a stack is resolved once;
- ``resolved_in``: what a stack resolves a batch of values to, asking aws-cdk-lib only about the
  tokens in them, each distinct one once.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from aws_cdk import Stack, Token
from constructs import IConstruct

_STRING_TOKEN = re.compile(r"\$\{Token\[[a-zA-Z0-9:._-]+\]\}|-1\.\d{10,16}e\+289")
"""aws-cdk-lib's ``STRING_TOKEN_REGEX`` (core/lib/private/encoding.js)."""
_PATHS: weakref.WeakKeyDictionary[IConstruct, str] = weakref.WeakKeyDictionary()
_CONTEXT: weakref.WeakKeyDictionary[IConstruct, dict[str, object]] = weakref.WeakKeyDictionary()
_STACKS: weakref.WeakKeyDictionary[IConstruct, Stack] = weakref.WeakKeyDictionary()
_RESOLVED: weakref.WeakKeyDictionary[Stack, dict[str, object]] = weakref.WeakKeyDictionary()
_CHILDREN: weakref.WeakKeyDictionary[IConstruct, IConstruct | None] = weakref.WeakKeyDictionary()


def is_unresolved(value: object) -> bool:
    """``Token.is_unresolved(value)``, without crossing into Node.js for a string."""
    if isinstance(value, str):
        return "Token[" in value and _STRING_TOKEN.search(value) is not None
    return bool(Token.is_unresolved(value))


def node_path(construct: IConstruct) -> str:
    """``construct.node.path``, asked once."""
    path = _PATHS.get(construct)
    if path is None:
        path = _PATHS[construct] = construct.node.path
    return path


def child_path(scope: IConstruct, id: str) -> str:
    """The path a child ``id`` of ``scope`` will have."""
    parent = node_path(scope)
    return f"{parent}/{id}" if parent else id


def adopt(construct: IConstruct, scope: IConstruct, id: str) -> None:
    """Remember the stack and path of ``construct``, just made as child ``id`` of ``scope``, unasked.

    Its stack is its scope's; its path is ``child_path`` unless ``id`` holds a character constructs
    rewrites (``/``), which is then asked for when needed.
    """
    _STACKS[construct] = stack_of(scope)
    if "/" not in id and "\n" not in id:
        _PATHS[construct] = child_path(scope, id)


def context(scope: IConstruct, key: str) -> object:
    """``scope.node.try_get_context(key)``, asked once per scope."""
    values = _CONTEXT.setdefault(scope, {})
    if key not in values:
        values[key] = scope.node.try_get_context(key)
    return values[key]


def stack_of(scope: IConstruct) -> Stack:
    """``Stack.of(scope)``, asked once per scope."""
    stack = _STACKS.get(scope)
    if stack is None:
        stack = _STACKS[scope] = Stack.of(scope)
    return stack


def resolved_once(stack: Stack, key: str, value: Callable[[], object]) -> object:
    """``stack.resolve(value())`` for a value that resolves alike wherever it is used in ``stack``
    (an AWS-managed policy's ARN), remembered under ``key``."""
    values = _RESOLVED.setdefault(stack, {})
    if key not in values:
        values[key] = stack.resolve(value())
    return values[key]


def made_with_default_child(construct: IConstruct, child: IConstruct | None) -> None:
    """Remember ``child`` as ``construct.node.default_child``, where whatever made them said so."""
    _CHILDREN[construct] = child


def default_child(construct: IConstruct) -> IConstruct | None:
    """``construct.node.default_child``, asked once (an L2's L1 resource is made with it)."""
    if construct not in _CHILDREN:
        _CHILDREN[construct] = construct.node.default_child
    return _CHILDREN[construct]


_LIST_TOKEN = "#{Token["
"""How aws-cdk-lib writes a list token as a list's one string (``Token.as_list``)."""
_ENCODED_NUMBER_MIN = 1e288
"""aws-cdk-lib encodes a number token as a float near -1.9e+289 (``encoding.js``)."""


def resolved_in(stack: Stack, values: Sequence[object]) -> list[Any]:
    """``stack.resolve(list(values))``, with only what Python cannot answer asked of aws-cdk-lib.

    Plain JSON resolves to itself. A string with a token in it is asked once however often it appears
    (the same AWS-managed policy's ARN in every role of a stack), and anything else (a token object, a
    ``PolicyDocument``, a mapping with a token for a key) is asked as it is, all in one call: a
    thousand roles' inline policies no longer cross into Node.js and back to be resolved. As there,
    None (JavaScript's undefined) is left out of lists and mappings, ``values`` included.
    """
    strings: dict[str, None] = {}
    objects: dict[int, object] = {}

    def scan(value: object) -> None:
        if isinstance(value, str):
            if is_unresolved(value) or _LIST_TOKEN in value:
                strings.setdefault(value)
        elif isinstance(value, Mapping):
            if any(not isinstance(key, str) or is_unresolved(key) for key in value):
                objects.setdefault(id(value), value)
            else:
                for item in value.values():
                    scan(item)
        elif isinstance(value, list | tuple):
            if any(isinstance(item, str) and _LIST_TOKEN in item for item in value):
                objects.setdefault(id(value), value)  # a list token resolves into its list
            else:
                for item in value:
                    scan(item)
        elif not _plain_scalar(value):
            objects.setdefault(id(value), value)

    for value in values:
        scan(value)
    by_string: dict[str, Any] = {}
    by_object: dict[int, Any] = {}
    if strings or objects:
        asked = list(objects.values())
        # Each object in a mapping of its own: one that resolves to nothing (a Lazy of no tags)
        # leaves that mapping empty instead of the list shorter.
        answer = stack.resolve({"strings": list(strings), "objects": [{"value": obj} for obj in asked]})
        by_string = dict(zip(strings, answer.get("strings", []), strict=True))
        by_object = {
            id(o): each.get("value") for o, each in zip(asked, answer.get("objects", []), strict=True)
        }
    return _present(_rebuilt(value, by_string, by_object) for value in values)


def _plain_scalar(value: object) -> bool:
    if value is None or isinstance(value, bool | int):
        return True
    return isinstance(value, float) and abs(value) < _ENCODED_NUMBER_MIN


def _rebuilt(value: Any, by_string: Mapping[str, Any], by_object: Mapping[int, Any]) -> Any:
    if isinstance(value, str):
        return by_string.get(value, value)
    if id(value) in by_object:
        return by_object[id(value)]
    if isinstance(value, Mapping):  # None is JavaScript's undefined, which resolving leaves out
        rebuilt = {key: _rebuilt(item, by_string, by_object) for key, item in value.items()}
        return {key: item for key, item in rebuilt.items() if item is not None}
    if isinstance(value, list | tuple):
        return _present(_rebuilt(item, by_string, by_object) for item in value)
    return value


def _present(items: Iterable[Any]) -> list[Any]:
    return [item for item in items if item is not None]
