"""The CDK adapters: the constructs that turn the core's checked specs into CloudFormation
(``access_profile``, ``instance_profile_tags``, ``published_profile``), the synth-time guardrails,
the catalogue's stacks and deployments, and the opt-in linters plugin. Everything that imports
aws-cdk-lib lives here."""
