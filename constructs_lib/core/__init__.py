"""The pure core: plain data in, answers out. No jsii, no Node.js, no boto3, no network."""
