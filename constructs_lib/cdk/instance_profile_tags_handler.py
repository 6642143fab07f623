"""Lambda handler of Custom::InstanceProfileTags: tags an IAM instance profile, which CloudFormation cannot.

Placed inline in the template (python3.13, boto3 from the runtime). Properties: InstanceProfileName
and Tags ([{"Key": ..., "Value": ...}]). It always answers CloudFormation, FAILED with a reason
naming the profile when anything goes wrong, and gives up before Lambda's own timeout would
(the work runs on a worker thread, so the answer goes out even if an IAM call hangs).

Update untags the dropped keys before it tags: IAM may hold keys that differ only in case as one
key, so untagging 'team' after tagging 'Team' could remove the new tag.

A Create that fails with an error wrote no tag (one TagInstanceProfile call, which IAM applies whole
or not at all), and says so in its physical ID: the Delete CloudFormation sends for it when it rolls
back then removes nothing, so keys set on the profile by other means are left alone.

Delete untags this resource's keys and succeeds when IAM answers NoSuchEntity (the profile is gone).
When IAM answers AccessDenied it asks CloudFormation whether the stack is about to delete the
profile: the stack itself is being deleted or rolled back from its creation, or the stack's current
template no longer holds the profile (replaced by a new name or path, or removed), as in the cleanup
of an update or of a rollback, where the function's role no longer reaches the old profile. Then the
tags go with the profile, and the Delete succeeds, saying why. Otherwise the profile stays, and the
Delete fails with IAM's reason (a deny outside the stack: an SCP, a permissions boundary), as any
other error does.
"""

import json
import logging
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
SAFETY_SECONDS = 5  # answer FAILED this long before Lambda would kill the function
STACK_GOING_AWAY = ("DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS")
"""Stack statuses in which CloudFormation deletes every resource of the stack."""
NOTHING_TAGGED = ":nothing-tagged"
"""The end of the physical ID of a Create that failed before it tagged anything."""
MAX_RESPONSE_BYTES = 4096
"""CloudFormation's bound on a custom resource's response body."""
MAX_REASON_CHARACTERS = 1000


class GivenUpError(Exception):
    """The handler answered already (it ran out of time): no further IAM call is made."""


def handler(event: dict[str, Any], context: Any) -> None:
    name = event.get("ResourceProperties", {}).get("InstanceProfileName", "")
    physical_id = event.get("PhysicalResourceId") or physical_id_of(name)
    status, reason = "SUCCESS", ""
    budget = max(1, context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS)
    worker = ThreadPoolExecutor(max_workers=1)
    given_up = threading.Event()
    try:
        physical_id = worker.submit(apply, event, _iam(), given_up).result(timeout=budget)
    except TimeoutError:
        # The call in flight may still land: this Create's ID stays one whose Delete untags.
        given_up.set()  # a frozen Lambda resumes this thread later: it must make no further call
        LOG.error("%s of tags on instance profile %r ran out of time", event.get("RequestType"), name)
        status, reason = "FAILED", f"Tags of instance profile {name!r}: the function ran out of time"
    except Exception as error:
        LOG.exception("%s of tags on instance profile %r failed", event.get("RequestType"), name)
        status, reason = "FAILED", f"Tags of instance profile {name!r}: {error}"
        if event.get("RequestType") == "Create":
            physical_id = physical_id_of(name) + NOTHING_TAGGED
    finally:
        worker.shutdown(wait=False)
    respond(event, status, physical_id, reason)


def apply(event: dict[str, Any], iam: Any, given_up: threading.Event | None = None) -> str:
    """Make the profile's tags what the event asks for; return the physical ID to report."""
    if given_up is not None:
        iam = _Guarded(iam, given_up)
    new = event["ResourceProperties"]
    name, tags = new["InstanceProfileName"], tags_of(new)
    if event["RequestType"] == "Create":
        tag(iam, name, tags)
        return physical_id_of(name)
    if event["RequestType"] == "Delete" and str(event["PhysicalResourceId"]).endswith(NOTHING_TAGGED):
        LOG.info("The Create of tags on instance profile %r failed before tagging: nothing to untag", name)
        return str(event["PhysicalResourceId"])
    if event["RequestType"] == "Update":
        old = event["OldResourceProperties"]
        if old["InstanceProfileName"] != name:
            # A new profile replaced the old one: tag it under a new ID; CloudFormation then sends
            # Delete with the old ID and properties, for the old profile (see the module docstring).
            tag(iam, name, tags)
            return physical_id_of(name)
        untag(iam, name, set(tags_of(old)) - set(tags))  # first: keys may differ only in case
        tag(iam, name, tags)
        return str(event["PhysicalResourceId"])
    try:
        untag(iam, name, set(tags))
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "NoSuchEntity":
            LOG.info("Instance profile %r is gone already: nothing to untag", name)
        elif code != "AccessDenied":
            raise
        else:
            reason = why_deleted_next(_cloudformation(), event["StackId"], name)
            if reason is None:
                raise RuntimeError(
                    f"{error}; so tags {sorted(tags)} stay, and the stack keeps the profile"
                ) from error
            LOG.info("Not allowed to untag instance profile %r (%s); %s", name, error, reason)
    return str(event["PhysicalResourceId"])


def why_deleted_next(cloudformation: Any, stack_id: str, name: str) -> str | None:
    """Why the stack deletes instance profile ``name`` next, tags and all; None if it keeps it."""
    status = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
    if status in STACK_GOING_AWAY:
        return f"the stack is {status}, so CloudFormation deletes the profile with its tags"
    template = cloudformation.get_template(StackName=stack_id, TemplateStage="Original")["TemplateBody"]
    if isinstance(template, str):
        template = json.loads(template)  # CDK writes JSON; a YAML template raises, and the Delete fails
    current = set(template.get("Resources", {}))
    pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_id)
    for page in pages:
        for resource in page["StackResourceSummaries"]:
            if (
                resource["ResourceType"] == "AWS::IAM::InstanceProfile"
                and resource.get("PhysicalResourceId") == name
                and resource["LogicalResourceId"] in current
            ):
                return None
    return (
        "the stack's template no longer holds the profile (it was replaced or removed), so "
        "CloudFormation deletes it next with its tags (unless its DeletionPolicy retains it)"
    )


def tags_of(properties: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}


def physical_id_of(name: str) -> str:
    return f"instance-profile-tags:{name}"


def tag(iam: Any, name: str, tags: dict[str, str]) -> None:
    if tags:
        LOG.info("Tagging instance profile %r with %s", name, sorted(tags))
        iam.tag_instance_profile(
            InstanceProfileName=name, Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        )


def untag(iam: Any, name: str, keys: set[str]) -> None:
    if keys:
        LOG.info("Untagging instance profile %r: %s", name, sorted(keys))
        iam.untag_instance_profile(InstanceProfileName=name, TagKeys=sorted(keys))


def respond(event: dict[str, Any], status: str, physical_id: str, reason: str, attempts: int = 3) -> None:
    """PUT the result to CloudFormation's pre-signed response URL, retrying transient failures."""
    body = response_body(event, status, physical_id, reason)
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(request, timeout=10):
                return
        except OSError:
            LOG.exception("Sending the response failed (attempt %d of %d)", attempt, attempts)
            if attempt == attempts:
                raise
            time.sleep(attempt)


def response_body(event: dict[str, Any], status: str, physical_id: str, reason: str) -> bytes:
    """The response as JSON, within CloudFormation's 4,096 bytes: the reason is shortened (with an
    ellipsis) until it fits, however many bytes its characters take once escaped."""
    reason = reason or "See the function's log"
    keep = min(len(reason), MAX_REASON_CHARACTERS)
    while True:
        shown = reason if keep == len(reason) else reason[:keep] + "..."
        body = json.dumps(
            {
                "Status": status,
                "Reason": shown,
                "PhysicalResourceId": physical_id,
                "StackId": event["StackId"],
                "RequestId": event["RequestId"],
                "LogicalResourceId": event["LogicalResourceId"],
            }
        ).encode()
        if len(body) <= MAX_RESPONSE_BYTES or keep == 0:
            return body
        keep = max(0, keep - (len(body) - MAX_RESPONSE_BYTES + 5) // 6 - 1)  # \uXXXX: 6 bytes at most


class _Guarded:
    """An IAM client that refuses calls once the handler gave up (``GivenUpError``)."""

    def __init__(self, iam: Any, given_up: threading.Event) -> None:
        self._iam, self._given_up = iam, given_up

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._iam, name)

        def guarded(**kwargs: Any) -> Any:
            if self._given_up.is_set():
                raise GivenUpError(f"{name} not made: the function had answered already")
            return call(**kwargs)

        return guarded


def _iam() -> Any:
    return _client("iam")


def _cloudformation() -> Any:
    return _client("cloudformation")


def _client(service: str) -> Any:
    return boto3.client(
        service, config=Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard"})
    )
