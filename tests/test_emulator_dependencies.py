"""The order in which the emulator creates and deletes a template's resources (emulator/dependencies.py)."""

from __future__ import annotations

import pytest

from emulator.dependencies import creation_order, deletion_order, references


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"Ref": "Role"}, {"Role"}),
        ({"Fn::GetAtt": ["Function", "Arn"]}, {"Function"}),
        ({"Fn::GetAtt": "Function.Arn"}, {"Function"}),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:iam::${Role}/${Profile.Arn}"},
            {"AWS::Partition", "Role", "Profile"},
        ),
        ({"Fn::Sub": "${!Literal} ${Name}"}, {"Name"}),
        ({"Fn::Sub": ["${Local}-${Role}", {"Local": {"Ref": "Bucket"}}]}, {"Role", "Bucket"}),
        ({"Fn::Join": ["", [{"Ref": "A"}, {"Fn::If": ["C", {"Ref": "B"}, "x"]}]]}, {"A", "B"}),
    ],
)
def test_references_are_found_wherever_they_are(value: object, named: set[str]) -> None:
    assert references(value) == named


def test_dependencies_come_first_and_ties_keep_the_templates_order() -> None:
    resources = {
        "Tags": {
            "Properties": {"ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]}, "Name": {"Ref": "Profile"}}
        },
        "Profile": {"Properties": {"Roles": [{"Ref": "Role"}]}},
        "Function": {"Properties": {"Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]}}},
        "Role": {"Properties": {}},
        "FunctionRole": {"Properties": {}},
        "Later": {"DependsOn": "Tags", "Properties": {"Name": {"Ref": "AWS::StackName"}}},
    }
    assert creation_order(resources) == ["Role", "Profile", "FunctionRole", "Function", "Tags", "Later"]
    assert deletion_order(resources) == ["Later", "Tags", "Function", "FunctionRole", "Profile", "Role"]


def test_a_circular_dependency_is_named() -> None:
    resources = {"A": {"Properties": {"X": {"Ref": "B"}}}, "B": {"DependsOn": ["A"], "Properties": {}}}
    with pytest.raises(ValueError, match="Circular dependency between resources: A -> B -> A"):
        creation_order(resources)
