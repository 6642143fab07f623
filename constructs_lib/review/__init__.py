"""``ec2-access-profiles review``: what a change does to each instance profile, for a pull request.

``assembly`` reads a synthesized app (templates, and what its linters refused), ``synth`` makes one
at a git ref and one of the working tree through the app's ``cdk.json``; ``profiles`` reads their
instance profiles, ``compare`` pairs and judges them (pure), with ``refusals`` turning each linter
refusal into a finding on its profile; ``describe`` says in words what each can do, ``report``
writes Markdown and JSON, and ``run`` ties them together for the command line.
"""
