"""``ec2-access-profiles audit``: the instance profiles an account holds, against what the app declares.

A pure core decides; thin adapters read and print:

- ``declared`` reads the cloud assembly (``cdk.out``) into ``DeclaredProfile``s, resolving the
  templates' pseudo-parameters and references for the account audited (``intrinsics``);
- ``account`` reads IAM page by page into ``ListedProfile``s and ``AccountProfile``s (roles in bulk,
  tags ``--concurrency`` at a time);
- ``deployment`` reads one deployment of the catalogue from the assembly (its Stages' accounts and
  stacks, or its StackSets' OUs and member template); ``accounts`` lists an OU's accounts through
  Organizations (but the management account, to which StackSets never deploy) and assumes the
  audit role in each;
- ``drift`` compares the two and returns ``AuditFinding``s (``findings``); policy documents are
  compared as IAM reads them (``documents``);
- ``repair`` turns instance-profile tag drift into ``TagInstanceProfile`` / ``UntagInstanceProfile``
  calls; ``report`` prints findings as text, JSON or Markdown, a section per account for a
  deployment; ``run`` wires them together, accounts of a deployment in parallel;
- ``policy`` holds the IAM policies the audit needs (the README prints them; a test enforces them).

Only ``account``, ``accounts`` and ``run`` touch boto3, and nothing here is imported until ``audit``
runs, so the rest of ``constructs_lib`` imports without boto3 (it is the optional extra ``audit``).
"""
