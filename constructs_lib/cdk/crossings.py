"""Answers from aws-cdk-lib that Python can give itself, or that never change once asked.

Every call into aws-cdk-lib crosses into its Node.js process and back (jsii), which costs more than
most of what a profile does. These helpers answer without crossing, or cross once per scope:
- ``is_unresolved``: for a string, aws-cdk-lib's own test (``Token.isUnresolved``: its string-token
  and stringified-number patterns), run in Python; anything else still asks aws-cdk-lib;
- ``node_path``, ``stack_of`` and ``context``: a construct's path and stack never change, and CDK
  refuses new context on a scope once it has children, so each is read once per scope; ``adopt``
  tells them a new construct's path and stack, which its scope gives;
- ``resolved_once``: a value that resolves alike everywhere in a stack is resolved once.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from aws_cdk import Stack, Token
from constructs import IConstruct

from constructs_lib.core.cdk_tokens import has_token

_PATHS: weakref.WeakKeyDictionary[IConstruct, str] = weakref.WeakKeyDictionary()
_CONTEXT: weakref.WeakKeyDictionary[IConstruct, dict[str, object]] = weakref.WeakKeyDictionary()
_STACKS: weakref.WeakKeyDictionary[IConstruct, Stack] = weakref.WeakKeyDictionary()
_RESOLVED: weakref.WeakKeyDictionary[Stack, dict[str, object]] = weakref.WeakKeyDictionary()
_CHILDREN: weakref.WeakKeyDictionary[IConstruct, IConstruct | None] = weakref.WeakKeyDictionary()


def is_unresolved(value: object) -> bool:
    """``Token.is_unresolved(value)``, without crossing into Node.js for a string."""
    if isinstance(value, str):
        return "Token[" in value and has_token(value)
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
