"""The app after a change a platform team makes in a pull request, for the update tests on the emulator.

Same stacks and construct IDs as ``app.compose``; the web server's profile is renamed (replaced),
swaps its managed policy, gains a statement, a longer session and different tags; the assets
reader reads another bucket; the SSM host does not change.
"""

from __future__ import annotations

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_iam as iam

from constructs_lib import Ec2AccessProfile
from stacks import AssetsReaderStack, SsmManagedHostStack

RENAMED_PROFILE = "EC2-Web-Access-Profile"


def compose_changed(app: App) -> None:
    web = Stack(app, "Ec2Access-WebServer")
    Ec2AccessProfile(
        web,
        "WebServer",
        instance_profile_name=RENAMED_PROFILE,
        role_name="EC2-S3-Access-Role",
        path="/ec2/",
        description="Web tier instances: managed by SSM, read their configuration",
        managed_policies=["AmazonSSMManagedInstanceCore"],
        statements=[
            iam.PolicyStatement(actions=["ssm:GetParameter"], resources=["arn:aws:ssm:*:*:parameter/web/*"])
        ],
        max_session_duration=Duration.hours(3),
        tags={"Environment": "Staging", "Team": "Platform"},
    )
    SsmManagedHostStack(app, "Ec2Access-SsmManagedHost")
    AssetsReaderStack(app, "Ec2Access-AssetsReader", bucket_name="example-assets-v2")
