"""CDK constructs that give EC2 instances their AWS permissions.

``Ec2AccessProfile`` bundles an IAM role trusted by EC2, its permissions and tags, and the
instance profile that carries the role to an instance, and checks every value at synth time.
"""

from constructs_lib.access_profile import Ec2AccessProfile
from constructs_lib.errors import ProfileValidationError
from constructs_lib.instance_profile_tags import InstanceProfileTags, InstanceProfileTagsProvider
from constructs_lib.least_privilege import BroadAccess
from constructs_lib.managed_policies import ManagedPolicyInput

__all__ = [
    "BroadAccess",
    "Ec2AccessProfile",
    "InstanceProfileTags",
    "InstanceProfileTagsProvider",
    "ManagedPolicyInput",
    "ProfileValidationError",
]
