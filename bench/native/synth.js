// Workload: the same N profiles in JavaScript CDK, run by Node directly (no jsii): the native limit.
// Usage: node synth.js N OUTDIR PROFILES_PER_STACK, with the context the Python workloads give their App
// (tooling.cdk.cli_context) in CDK_CONTEXT_JSON, which App reads as it does under `cdk synth`
// (bench/workloads.py sets it, and runs this on the Node.js jsii runs on for the Python workloads).
'use strict';
const { App, Stack, Tags } = require('aws-cdk-lib');
const iam = require('aws-cdk-lib/aws-iam');

const [count, outdir, perStack] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const MANAGED_POLICIES = ['AmazonSSMManagedInstanceCore', 'CloudWatchAgentServerPolicy'];
const PATH = '/ec2/team/';
const STACK = 'Ec2AccessProfiles';

const app = new App({ outdir });
const policies = MANAGED_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name));
const stacks = new Map();
for (let index = 0; index < count; index++) {
  const number = String(index).padStart(4, '0');
  const name = `profile-number-${number}-for-team`;
  const shard = Math.floor(index / perStack);
  const stackName = shard === 0 ? STACK : `${STACK}-${shard + 1}`;
  if (!stacks.has(stackName)) stacks.set(stackName, new Stack(app, stackName));
  const stack = stacks.get(stackName);
  const role = new iam.Role(stack, `${name}Role`, {
    roleName: name,
    path: PATH,
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    managedPolicies: policies,
    inlinePolicies: {
      Permissions: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::bucket-${number}/*`] })],
      }),
    },
  });
  Tags.of(role).add('Environment', 'Production');
  Tags.of(role).add('Service', `service-${number}`);
  new iam.InstanceProfile(stack, name, { instanceProfileName: name, path: PATH, role });
}
app.synth();
