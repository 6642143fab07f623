"""The shapes a linter is run on once each: copies that differ in names only share one, anything
a linter could read differently does not (``tests/template_shapes.py``)."""

from __future__ import annotations

import copy
from typing import Any

from tests.template_shapes import covering, template_shapes


def profile(index: int, **properties: Any) -> dict[str, Any]:
    """A role and its instance profile, named after ``index``."""
    return {
        f"Role{index}": {
            "Type": "AWS::IAM::Role",
            "Properties": {"RoleName": f"role-{index:04}", "Path": "/ec2/", **properties},
        },
        f"Profile{index}": {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"InstanceProfileName": f"p-{index:04}", "Roles": [{"Ref": f"Role{index}"}]},
        },
    }


def template(*indexes: int, **properties: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for index in indexes:
        resources.update(profile(index, **properties))
    return {"Resources": resources}


def test_copies_that_differ_in_names_and_numbers_share_their_shapes() -> None:
    templates = {"a": template(1, 2, 3), "b": template(4, 5), "c": template(6)}
    assert template_shapes(templates["a"]) == template_shapes(templates["b"])
    assert len(covering(templates)) == 1


def test_a_value_a_linter_reads_differently_is_a_shape_of_its_own() -> None:
    bad = template(9)
    bad["Resources"]["Bucket"] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "Capitals"}}
    good = template(1, 2)
    good["Resources"]["Bucket"] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "lower"}}
    assert sorted(covering({"good": good, "bad": bad})) == ["bad", "good"]


def test_a_reference_to_something_missing_or_else_is_a_shape_of_its_own() -> None:
    missing = template(1)
    missing["Resources"]["Profile1"]["Properties"]["Roles"] = [{"Ref": "NoSuchRole"}]
    other_type = template(2)
    other_type["Resources"]["Profile2"]["Properties"]["Roles"] = [{"Ref": "AWS::StackName"}]
    templates = {"plain": template(3, 4), "missing": missing, "other": other_type}
    assert sorted(covering(templates)) == ["missing", "other", "plain"]


def test_list_lengths_outputs_and_dependencies_count() -> None:
    longer = template(1, ManagedPolicyArns=["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"])
    shorter = template(2, ManagedPolicyArns=["arn:aws:iam::aws:policy/A"])
    with_output = copy.deepcopy(shorter)
    with_output["Outputs"] = {"Name": {"Value": {"Ref": "Profile2"}}}
    depends = copy.deepcopy(shorter)
    depends["Resources"]["Profile2"]["DependsOn"] = "Role2"
    templates = {"longer": longer, "shorter": shorter, "output": with_output, "depends": depends}
    chosen = covering(templates)
    assert {"longer", "output", "depends"} <= set(chosen)
    assert set().union(*(template_shapes(templates[n]) for n in chosen)) == set().union(
        *map(template_shapes, templates.values())
    )
