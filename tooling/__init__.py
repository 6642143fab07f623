"""The project's own tools: its CDK CLI run offline, and its app synthesized in-process as the CLI does.

Used by the tests, the emulator, ``make deploy-local`` and the benchmark; nothing here is part of the
library users install.
"""
