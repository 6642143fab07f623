"""Python handlers found and run as Lambda's Python runtime does (emulator/lambda_runtime.py)."""

from __future__ import annotations

import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from emulator.lambda_runtime import PYTHON_RUNTIMES, invoke, refusal


def package(**files: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path, source in files.items():
            zipped.writestr(path.replace("__", "/") + ".py", source)
    return archive.getvalue()


def run(code: bytes, handler: str, timeout: float = 5) -> tuple[object, bool]:
    return invoke(code, handler, {"n": 2}, timeout_seconds=timeout, function_name="f")


def test_the_module_and_function_that_handler_names_run() -> None:
    code = package(
        index="def handler(e, c):\n    return 'index'\n", app__main="def go(e, c):\n    return e['n'] * 2\n"
    )
    assert run(code, "index.handler") == ("index", False)
    assert run(code, "app/main.go") == (4, False)
    assert run(code, "app.main.go") == (4, False)


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        (
            "wrong_file.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'wrong_file': No module named",
        ),
        ("index.nothing", "Runtime.HandlerNotFound", "Handler 'nothing' missing on module 'index'"),
        ("index", "Runtime.MalformedHandlerName", "Bad handler 'index'"),
        ("sys.handler", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys"),
        ("broken.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'broken'"),
        (
            "imports.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'imports': No module named",
        ),
    ],
)
def test_what_the_runtime_cannot_load_fails_the_invocation(
    handler: str, error_type: str, message: str
) -> None:
    code = package(
        index="def handler(e, c):\n    return None\n",
        broken="def handler(:\n",
        imports="import not_packaged\n",
    )
    result, errored = run(code, handler)
    assert errored
    assert isinstance(result, dict)
    assert result["errorType"] == error_type
    assert result["errorMessage"].startswith(message)


def test_an_exception_is_the_functions_error() -> None:
    result, errored = run(package(index="def handler(e, c):\n    raise KeyError('k')\n"), "index.handler")
    assert errored
    assert isinstance(result, dict)
    assert (result["errorType"], result["errorMessage"]) == ("KeyError", "'k'")


def test_a_handler_still_running_at_its_timeout_fails() -> None:
    source = "import threading\ndef handler(e, c):\n    threading.Event().wait(30)\n"
    result, errored = run(package(index=source), "index.handler", timeout=0.2)
    assert errored
    assert isinstance(result, dict)
    assert result["errorType"] == "Sandbox.Timedout"


def test_only_python_runtimes_run() -> None:
    assert all(refusal(runtime) is None for runtime in PYTHON_RUNTIMES)
    for runtime in ("nodejs20.x", "java21", "provided.al2023", "python2.7", None):
        assert "cannot run runtime" in str(refusal(runtime))


def test_the_handlers_boto3_calls_with_the_credentials_it_is_given() -> None:
    code = package(
        index=(
            "import boto3\n"
            "from boto3 import client\n"
            "def handler(event, context):\n"
            "    keys = [boto3.DEFAULT_SESSION.get_credentials().access_key]\n"
            "    keys.append(client.__self__.get_credentials().access_key)\n"
            "    return keys\n"
        )
    )
    credentials = {
        "aws_access_key_id": "ASIAFUNCTIONSESSION",
        "aws_secret_access_key": "secret",
        "aws_session_token": "token",
    }
    result = invoke(code, "index.handler", {}, timeout_seconds=5, function_name="f", credentials=credentials)
    assert result == (["ASIAFUNCTIONSESSION", "ASIAFUNCTIONSESSION"], False)


COUNTER = package(
    index=(
        "import time\n"
        "calls = []\n"
        "def handler(event, context):\n"
        "    calls.append(event)\n"
        "    time.sleep(event.get('sleep', 0))\n"
        "    return len(calls)\n"
    )
)


def count(function_name: str, *, sleep: float = 0, timeout: float = 5, key: str = "A") -> tuple[object, bool]:
    credentials = {"aws_access_key_id": key, "aws_secret_access_key": "s", "aws_session_token": "t"}
    return invoke(
        COUNTER,
        "index.handler",
        {"sleep": sleep},
        timeout_seconds=timeout,
        function_name=function_name,
        credentials=credentials,
    )


def test_a_warm_environment_keeps_its_module_between_invocations() -> None:
    # Lambda reuses an execution environment, module state included, for the invocations after.
    assert [count("warm") for _ in range(3)] == [(1, False), (2, False), (3, False)]
    # Another function, or a new session of the execution role, is another environment.
    assert count("other") == (1, False)
    assert count("warm", key="B") == (1, False)


GATED = package(
    index=(
        "calls = []\n"
        "def handler(event, context):\n"
        "    calls.append(event)\n"
        "    event['inside'].set()\n"
        "    event['release'].wait(60)\n"
        "    return len(calls)\n"
    )
)


def gated(inside: threading.Event, release: threading.Event) -> tuple[object, bool]:
    """An invocation that holds its environment until ``release`` is set (the event stays in process)."""
    event = {"inside": inside, "release": release}
    return invoke(GATED, "index.handler", event, timeout_seconds=90, function_name="gated")


def test_concurrent_invocations_get_environments_of_their_own() -> None:
    # Lambda runs one invocation at a time in an environment: one that arrives while another is
    # inside the handler gets an environment of its own (a fresh module), whatever the timing.
    first_inside, first_release = threading.Event(), threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(gated, first_inside, first_release)
        released = threading.Event()
        released.set()
        try:
            assert first_inside.wait(60), "the first invocation never reached its handler"
            assert gated(threading.Event(), released) == (1, False)  # not the busy environment
        finally:
            first_release.set()
        assert first.result() == (1, False)
    # Both environments are warm now: the next invocation reuses one (its module saw one call).
    assert gated(threading.Event(), released) == (2, False)


def test_an_environment_that_timed_out_is_not_reused() -> None:
    assert count("timeout") == (1, False)
    result, errored = count("timeout", sleep=1, timeout=0.2)
    assert errored
    assert result["errorType"] == "Sandbox.Timedout"  # type: ignore[index]
    assert count("timeout") == (1, False)  # a fresh environment: its module loaded again
