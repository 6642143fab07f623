"""The shapes a linter is run on once each: copies that differ in names only share one, anything
a linter could read differently does not (``tests/template_shapes.py``)."""

from __future__ import annotations

import copy
from typing import Any

from tests.template_shapes import covering, exemplars, references, template_shapes


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


def test_exemplars_keep_one_resource_of_each_shape_with_what_it_references() -> None:
    plain = template(1, 2, 3)
    other_path = template(4, 5)
    other_path["Resources"]["Profile5"]["Properties"]["Path"] = "/other/"
    other_path["Outputs"] = {"Name": {"Value": {"Fn::GetAtt": ["Role4", "Arn"]}}}
    cut = exemplars({"plain": plain, "other": other_path, "copy": template(6)})
    # "other" holds every shape: one profile of each, their roles; the copies add nothing
    assert {name: sorted(t["Resources"]) for name, t in cut.items()} == {
        "other": ["Profile4", "Profile5", "Role4", "Role5"]
    }
    assert cut["other"]["Outputs"] == other_path["Outputs"]
    assert set().union(*map(template_shapes, cut.values())) == set().union(
        *map(template_shapes, (plain, other_path))
    )


def test_references_are_followed_through_sub_and_depends_on() -> None:
    sub = {"Fn::Sub": ["${Role1.Arn}/${Name}", {"Name": {"Ref": "Profile2"}}]}
    assert references({"A": [sub, {"Fn::GetAtt": "Role3.Arn"}]}) == {"Role1", "Name", "Profile2", "Role3"}
    chained = template(1, 2)
    chained["Resources"]["Role1"]["DependsOn"] = "Profile2"
    cut = exemplars({"chained": chained})
    assert sorted(cut["chained"]["Resources"]) == ["Profile1", "Profile2", "Role1", "Role2"]
