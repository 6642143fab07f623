"""IAM's rules for the values an access profile takes, as pure functions.

Each check returns ``None`` when the value is allowed, or the rule it breaks as the end of a
sentence ("is 65 characters; IAM allows 1 to 64"). The construct adds where and which field.
Nothing here imports jsii, so the rules are fast to test exhaustively; CDK tokens (values unknown
until deploy) are filtered out by the caller before these run.
"""

from __future__ import annotations

import math
import re
import unicodedata

# Limits as the IAM API reference states them.
ROLE_NAME_MAX = 64
INSTANCE_PROFILE_NAME_MAX = 128
POLICY_NAME_MAX = 128
PATH_MAX = 512
DESCRIPTION_MAX = 1000
MAX_SESSION_MIN_SECONDS = 3600
MAX_SESSION_MAX_SECONDS = 43200
TAGS_MAX = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
STACK_NAME_MAX = 128

NAME_CHARACTERS = "letters A-Z and a-z, digits and +=,.@_-"
_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]+")
# IAM: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)
_PATH = re.compile(r"/|/[\x21-\x7e]+/")
# IAM: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*
_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
TAG_CHARACTERS = "letters, digits, spaces and _.:/=+-@"
# arn:PARTITION:iam::ACCOUNT|aws:policy/PATH/NAME. A policy's path is narrower than a role's:
# IAM: ((/[A-Za-z0-9\.,\+@=_-]+)*)/
_POLICY_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):iam::(?P<account>aws|[0-9]{12}):policy"
    r"(?P<path>(?:/[A-Za-z0-9.,+@=_-]+)*/)(?P<name>[^/]*)"
)
# arn:PARTITION:iam::ACCOUNT:instance-profile/PATH/NAME
_INSTANCE_PROFILE_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:instance-profile(?P<path>/(?:[\x21-\x7e]+/)?)(?P<name>[^/]*)"
)
# An AWS-managed policy by name, with its path when it has one: "service-role/AmazonEC2RoleforSSM".
_AWS_MANAGED_NAME = re.compile(r"(?P<path>(?:[A-Za-z0-9+=,.@_-]+/)*)(?P<name>[^/]*)")


def check_name(value: str, maximum: int) -> str | None:
    """A role, instance-profile or policy name: 1 to ``maximum`` of ``NAME_CHARACTERS``."""
    if not 1 <= len(value) <= maximum:
        return f"is {len(value)} characters; IAM allows 1 to {maximum}"
    if not _NAME.fullmatch(value):
        bad = _first_outside(value, _NAME)
        return f"contains {bad!r}; IAM allows only {NAME_CHARACTERS}"
    return None


def check_path(value: str) -> str | None:
    """An IAM path: '/' alone, or 1 to 512 printable ASCII characters that begin and end with '/'."""
    if not 1 <= len(value) <= PATH_MAX:
        return f"is {len(value)} characters; IAM allows 1 to {PATH_MAX}"
    if not _PATH.fullmatch(value):
        return (
            "is not an IAM path: it must be '/' or begin and end with '/' around printable ASCII "
            "characters without spaces, e.g. '/ec2/'"
        )
    return None


def check_description(value: str) -> str | None:
    """A role description: at most 1,000 characters of printable Latin-1, tab and newline."""
    if len(value) > DESCRIPTION_MAX:
        return f"is {len(value)} characters; IAM allows at most {DESCRIPTION_MAX}"
    if not _DESCRIPTION.fullmatch(value):
        bad = _first_outside(value, _DESCRIPTION)
        return f"contains {bad!r}; IAM allows printable Latin-1 characters, tab and newline"
    return None


def check_max_session_seconds(seconds: float) -> str | None:
    """The longest session the role grants: a whole number of seconds from 1 to 12 hours."""
    if not math.isfinite(seconds) or seconds != int(seconds):
        return "is not a whole number of seconds"
    if not MAX_SESSION_MIN_SECONDS <= seconds <= MAX_SESSION_MAX_SECONDS:
        return (
            f"is {int(seconds)} seconds; IAM allows 1 to 12 hours "
            f"({MAX_SESSION_MIN_SECONDS} to {MAX_SESSION_MAX_SECONDS} seconds)"
        )
    return None


def check_tag_key(key: str) -> str | None:
    """A tag key: 1 to 128 of ``TAG_CHARACTERS``, not starting with the reserved 'aws:'."""
    if not 1 <= len(key) <= TAG_KEY_MAX:
        return f"is {len(key)} characters; IAM allows 1 to {TAG_KEY_MAX}"
    bad = _first_non_tag_character(key)
    if bad is not None:
        return f"contains {bad!r}; IAM allows only {TAG_CHARACTERS}"
    if key.lower().startswith("aws:"):
        return "starts with 'aws:', which AWS reserves for its own tags"
    return None


def check_tag_value(value: str) -> str | None:
    """A tag value: 0 to 256 of ``TAG_CHARACTERS``."""
    if len(value) > TAG_VALUE_MAX:
        return f"is {len(value)} characters; IAM allows 0 to {TAG_VALUE_MAX}"
    bad = _first_non_tag_character(value)
    if bad is not None:
        return f"contains {bad!r}; IAM allows only {TAG_CHARACTERS}"
    return None


def check_tag_count(count: int) -> str | None:
    """How many tags one role or instance profile can carry."""
    if count > TAGS_MAX:
        return f"has {count} tags; IAM allows at most {TAGS_MAX} per role or instance profile"
    return None


def managed_policy_key(arn: str) -> str:
    """What makes two policy ARNs the same policy, whatever their partition: 'ACCOUNT:policy/PATH/NAME'."""
    match = _POLICY_ARN.fullmatch(arn)
    if match is None:
        return arn
    return f"{match['account']}:policy{match['path']}{match['name']}"


def aws_managed_policy_key(name: str) -> str:
    """The same key as ``managed_policy_key`` for an AWS-managed policy given by (path and) name."""
    return f"aws:policy/{name}"


def check_policy_arn(arn: str) -> str | None:
    """A managed-policy ARN: arn:PARTITION:iam::ACCOUNT-or-aws:policy/[PATH/]NAME."""
    match = _POLICY_ARN.fullmatch(arn)
    if match is None:
        return (
            "is not a managed-policy ARN; expected arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME, "
            "e.g. 'arn:aws:iam::123456789012:policy/team/Reader'"
        )
    if len(match["path"]) > PATH_MAX:
        return f"has a path of {len(match['path'])} characters; IAM allows 1 to {PATH_MAX}"
    name_problem = check_name(match["name"], POLICY_NAME_MAX)
    if name_problem:
        return f"has policy name {match['name']!r} that {name_problem}"
    return None


def check_instance_profile_arn(arn: str) -> str | None:
    """An instance-profile ARN: arn:PARTITION:iam::ACCOUNT:instance-profile/[PATH/]NAME."""
    match = _INSTANCE_PROFILE_ARN.fullmatch(arn)
    if match is None:
        return (
            "is not an instance-profile ARN; expected "
            "arn:PARTITION:iam::ACCOUNT:instance-profile/[PATH/]NAME, "
            "e.g. 'arn:aws:iam::123456789012:instance-profile/ec2/WebServer'"
        )
    if len(match["path"]) > PATH_MAX:
        return f"has a path of {len(match['path'])} characters; IAM allows 1 to {PATH_MAX}"
    name_problem = check_name(match["name"], INSTANCE_PROFILE_NAME_MAX)
    if name_problem:
        return f"has instance-profile name {match['name']!r} that {name_problem}"
    return None


def check_aws_managed_policy_name(name: str) -> str | None:
    """An AWS-managed policy by name, optionally after its path: 'service-role/AmazonEC2RoleforSSM'."""
    match = _AWS_MANAGED_NAME.fullmatch(name)
    if match is None:
        return (
            "is not an AWS-managed policy name: give the name, with its path if it has one "
            "('AmazonS3ReadOnlyAccess', 'service-role/AmazonEC2RoleforSSM'), or a full policy ARN"
        )
    name_problem = check_name(match["name"], POLICY_NAME_MAX)
    if name_problem:
        return f"has policy name {match['name']!r} that {name_problem}"
    return None


def check_stack_name(value: str) -> str | None:
    """A CloudFormation stack name: 1 to 128 letters, digits and hyphens, starting with a letter."""
    if not 1 <= len(value) <= STACK_NAME_MAX:
        return f"is {len(value)} characters; CloudFormation allows 1 to {STACK_NAME_MAX}"
    if not _STACK_NAME.fullmatch(value):
        return (
            "is not a stack name: CloudFormation allows letters, digits and hyphens, starting with a letter"
        )
    return None


def _first_outside(value: str, pattern: re.Pattern[str]) -> str:
    return next(char for char in value if not pattern.fullmatch(char))


def _first_non_tag_character(value: str) -> str | None:
    for char in value:
        if char in _TAG_PUNCTUATION:
            continue
        if unicodedata.category(char)[0] in ("L", "N", "Z"):
            continue
        return char
    return None
