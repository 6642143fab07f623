"""What a profile may do, from its templates or its catalogue: the ``explain`` and ``can`` commands."""
