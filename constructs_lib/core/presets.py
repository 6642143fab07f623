"""Presets: the AWS-managed policies each compute service documents for its instances' role.

Give them by name (``presets=["ssm", "eks-node"]``, or ``presets: [ssm]`` in a catalogue) or as
constants (``presets=[SSM, EKS_NODE]``). Presets compose: two that bring the same policy attach it
once. Each preset gives the reason cdk-nag's ``AwsSolutions-IAM4`` records for its policies;
``BroadAccess.managed_policy(NAME, reason=...)`` overrides it. Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Preset:
    """A named bundle of AWS-managed policies, with the AWS page that says why they are needed."""

    name: str
    """What profiles write in ``presets``."""
    managed_policies: tuple[str, ...]
    """AWS-managed policies by name, with their path where they have one."""
    purpose: str
    """What instances with this preset do."""
    documentation: str
    """The AWS documentation page that says the role needs these policies."""

    @property
    def reason(self) -> str:
        """Why the AWS-managed policies are attached, for cdk-nag's ``AwsSolutions-IAM4``."""
        return (
            f"Preset {self.name!r} ({self.purpose}): AWS documents these policies as what the "
            f"instance role needs and keeps them current ({self.documentation})"
        )


SSM = Preset(
    name="ssm",
    managed_policies=("AmazonSSMManagedInstanceCore",),
    purpose="Session Manager, Run Command, Patch Manager",
    documentation="https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html",
)
"""Systems Manager's core: the agent registers the instance and takes commands and sessions.

AWS documents why: https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html
"""

CLOUDWATCH_AGENT = Preset(
    name="cloudwatch-agent",
    managed_policies=("CloudWatchAgentServerPolicy",),
    purpose="the CloudWatch agent's metrics and logs",
    documentation=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
        "create-iam-roles-for-cloudwatch-agent-commandline.html"
    ),
)
"""The CloudWatch agent: reads its configuration and writes metrics and logs.

AWS documents why: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/create-iam-roles-for-cloudwatch-agent-commandline.html
"""

ECS = Preset(
    name="ecs",
    managed_policies=("service-role/AmazonEC2ContainerServiceforEC2Role",),
    purpose="ECS container instances",
    documentation="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html",
)
"""ECS container instances: the container agent registers with the cluster and pulls images.

AWS documents why: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html
"""

BATCH = Preset(
    name="batch",
    managed_policies=("service-role/AmazonEC2ContainerServiceforEC2Role",),
    purpose="AWS Batch compute environments (ECS underneath)",
    documentation="https://docs.aws.amazon.com/batch/latest/userguide/instance_IAM_role.html",
)
"""AWS Batch compute environments, whose instances are ECS container instances.

AWS documents why: https://docs.aws.amazon.com/batch/latest/userguide/instance_IAM_role.html
"""

EKS_NODE = Preset(
    name="eks-node",
    managed_policies=("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"),
    purpose="EKS worker nodes",
    documentation="https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html",
)
"""EKS worker nodes: the kubelet describes EC2 resources and pulls images from ECR.

AWS documents why: https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html
"""

EKS_CNI = Preset(
    name="eks-cni",
    managed_policies=("AmazonEKS_CNI_Policy",),
    purpose="the VPC CNI plugin, when it has no IRSA / Pod Identity role of its own",
    documentation="https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html",
)
"""The VPC CNI plugin on the node's role; AWS recommends a role of its own (IRSA, Pod Identity).

AWS documents why: https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html
"""

PRESETS: Mapping[str, Preset] = MappingProxyType(
    {preset.name: preset for preset in (SSM, CLOUDWATCH_AGENT, ECS, BATCH, EKS_NODE, EKS_CNI)}
)
"""Every preset, by name."""
