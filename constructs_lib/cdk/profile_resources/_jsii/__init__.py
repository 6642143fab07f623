"""Loads the package's own jsii assembly (built from ``native/`` by ``make native``) into jsii's Node.js.

The layout jsii's Python runtime expects of an assembly's module: ``MODULE._jsii`` loads it.
"""

import aws_cdk._jsii  # noqa: F401  (the assemblies it builds on, loaded first)
import constructs._jsii  # noqa: F401
import jsii

NAME = "ec2-access-profiles-native"
VERSION = "0.1.0"
TARBALL = f"{NAME}@{VERSION}.jsii.tgz"

__jsii_assembly__ = jsii.JSIIAssembly.load(NAME, VERSION, __name__[0:-6], TARBALL)
