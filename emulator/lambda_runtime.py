"""Run a Python Lambda function in the emulator's own process, as Lambda's Python runtime would.

The handler is found as the runtime finds it (https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html):
``Handler`` is ``module.function``; the module is loaded from the function's deployment package
(``index.py`` for inline ``ZipFile`` code); a module or function that is not there fails the
invocation with the runtime's own error types and messages (``Runtime.ImportModuleError``,
``Runtime.HandlerNotFound``, ``Runtime.MalformedHandlerName``), and so does a handler still running
at the function's ``Timeout``.

Only Python runtimes can run here, on the Python that runs the emulator: ``refusal`` says why any
other runtime cannot. A handler module is loaded on its own: one that imports another module of its
own package fails with ``Runtime.ImportModuleError`` (stricter than Lambda, never more lenient).

Given ``credentials`` (its execution role's session), the module's ``import boto3`` gets boto3 with
its default session holding them, so ``boto3.client(...)`` calls as the role, as on Lambda (which
puts them in the environment). Handlers run in threads of one process, so the environment itself
keeps the emulator's credentials: code that builds its own ``boto3.session.Session()`` or reads the
environment calls as the account's root user (more lenient than Lambda).
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import io
import sys
import threading
import time
import traceback
import types
import uuid
import zipfile
from collections.abc import Callable, Hashable
from typing import Any

PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
"""The runtimes the emulator runs, every one on the emulator's own Python."""

_IDLE: dict[tuple[Hashable, ...], list[Callable[[Any, Any], Any]]] = {}
"""Warm environments between invocations: the handler, its module loaded once, as Lambda keeps an
execution environment (module state included) for the invocations that follow; one invocation at a
time each, and one that timed out is dropped. A new session of the execution role (the fidelity
layer mints one per environment) means a new environment."""
_WARM_LOCK = threading.Lock()


def emulator_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def refusal(runtime: str | None) -> str | None:
    """Why the emulator cannot honour ``runtime``, or None if it runs it."""
    if runtime in PYTHON_RUNTIMES:
        return None
    return (
        f"The emulator cannot run runtime {runtime!r}: it runs Python functions only "
        f"({', '.join(PYTHON_RUNTIMES)}), in its own process, on Python {emulator_python()}"
    )


class _FaultError(Exception):
    """An error of the runtime itself (not of the handler's code), with its Lambda error type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def invoke(
    package: bytes,
    handler: str,
    event: Any,
    *,
    timeout_seconds: float,
    function_name: str,
    credentials: dict[str, str] | None = None,
) -> tuple[Any, bool]:
    """Run the handler on ``event``; return its result, or Lambda's error payload and True."""
    request_id = str(uuid.uuid4())
    environment = _environment_key(package, handler, function_name, credentials)
    with _WARM_LOCK:
        idle = _IDLE.get(environment)
        function = idle.pop() if idle else None
    if function is None:
        try:
            function = load_handler(package, handler, function_name, credentials)
        except _FaultError as fault:
            return _error(fault.error_type, str(fault), request_id), True
    outcome: dict[str, Any] = {}
    context = LambdaContext(function_name, request_id, timeout_seconds)

    def run() -> None:
        try:
            outcome["result"] = function(event, context)
        except Exception as error:
            outcome["error"] = _error(
                type(error).__name__, str(error), request_id, traceback.format_tb(error.__traceback__)
            )

    worker = threading.Thread(target=run, name=f"lambda:{function_name}", daemon=True)
    worker.start()
    worker.join(timeout_seconds)
    if worker.is_alive():
        # Lambda stops the environment here; a thread cannot be stopped, so its late work is ignored.
        return _error(
            "Sandbox.Timedout", f"Task timed out after {timeout_seconds:.2f} seconds", request_id
        ), True
    with _WARM_LOCK:
        _IDLE.setdefault(environment, []).append(function)  # warm: the next invocation reuses it
    if "error" in outcome:
        return outcome["error"], True
    return outcome.get("result"), False


def _environment_key(
    package: bytes, handler: str, function_name: str, credentials: dict[str, str] | None
) -> tuple[Hashable, ...]:
    """What makes two invocations able to share a warm environment: the same code, handler,
    function and execution-role session."""
    session = tuple(sorted(credentials.items())) if credentials else None
    return hashlib.sha256(package).hexdigest(), handler, function_name, session


def load_handler(
    package: bytes, handler: str, function_name: str, credentials: dict[str, str] | None = None
) -> Callable[[Any, Any], Any]:
    """The function ``handler`` names in ``package``, found as Lambda's Python runtime finds it."""
    module_name, _, attribute = handler.rpartition(".")
    if not module_name:
        raise _FaultError(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)",
        )
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise _FaultError(
            "Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module"
        )
    source, path = _module_source(package, module_name)
    module = types.ModuleType(module_name.replace("/", "."))
    module.__file__ = path
    if credentials is not None:
        module.__dict__["__builtins__"] = _builtins_with_boto3(_boto3_as(credentials))
    try:
        exec(compile(source, f"<{function_name}/{path}>", "exec"), module.__dict__)
    except ImportError as error:
        raise _FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from error
    except SyntaxError as error:
        raise _FaultError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}"
        ) from error
    function = getattr(module, attribute, None)
    if function is None:
        raise _FaultError(
            "Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_name}'"
        )
    return function  # type: ignore[no-any-return]


def _module_source(package: bytes, module_name: str) -> tuple[str, str]:
    base = module_name.replace(".", "/")
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            names = set(archive.namelist())
            for path in (f"{base}.py", f"{base}/__init__.py"):
                if path in names:
                    return archive.read(path).decode(), path
    except zipfile.BadZipFile as error:
        raise _FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from error
    raise _FaultError(
        "Runtime.ImportModuleError",
        f"Unable to import module '{module_name}': No module named '{module_name.replace('/', '.')}'",
    )


def _boto3_as(credentials: dict[str, str]) -> types.ModuleType:
    """boto3, its default session holding ``credentials`` (a session of its own, data shared)."""
    import boto3
    import botocore.session

    loader, endpoints = _botocore_data()
    core = botocore.session.get_session()
    core.register_component("data_loader", loader)
    core._internal_components.register_component("endpoint_resolver", endpoints)
    session = boto3.session.Session(botocore_session=core, **credentials)
    bound = types.ModuleType("boto3", boto3.__doc__)
    bound.__dict__.update(boto3.__dict__)
    bound.__dict__.update(DEFAULT_SESSION=session, client=session.client, resource=session.resource)
    return bound


@functools.cache
def _botocore_data() -> tuple[Any, Any]:
    """What a warm Lambda environment keeps between invocations: botocore's loaded data (service
    models, endpoints), shared by every function here. Without it each invocation's new session
    parsed them again: two thirds of the emulator's time in a deploy of 100 tagged profiles."""
    import botocore.session

    warm = botocore.session.get_session()
    return warm.get_component("data_loader"), warm._get_internal_component("endpoint_resolver")


def _builtins_with_boto3(bound: types.ModuleType) -> dict[str, Any]:
    """Python's builtins, with an ``__import__`` that answers ``import boto3`` with ``bound``."""

    def import_(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "boto3":
            return bound
        return builtins.__import__(name, *args, **kwargs)

    return {**builtins.__dict__, "__import__": import_}


def _error(error_type: str, message: str, request_id: str, trace: list[str] | None = None) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace or [],
    }


class LambdaContext:
    """What a Python handler reads of Lambda's context object."""

    def __init__(self, function_name: str, request_id: str, timeout_seconds: float) -> None:
        self.function_name = function_name
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
