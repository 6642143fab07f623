"""``make bench``: what synth costs through this library against plain aws-cdk-lib and native CDK.

Figures only: nothing here is a test, and nothing fails on time.
"""
