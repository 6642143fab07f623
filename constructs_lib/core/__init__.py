"""The pure core: what a profile is (``spec``), the rules it must follow (``rules``, ``checker`` and
the modules it calls), IAM's reference data and the presets, and what a profile may do (``evaluator``,
``conditions``, ``request``, ``explain``, with AWS-managed documents from ``aws_managed_policies``).
Plain Python: importing any of it starts no Node.js, so the checker, the catalogue and the tools run
without aws-cdk-lib."""
