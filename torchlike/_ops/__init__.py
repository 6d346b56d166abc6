"""The tensor operations, one family per module; each op is a pure JAX function run by
:func:`torchlike._dispatch.apply`."""
