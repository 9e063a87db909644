"""The ``iodef`` command line (package ``iodef.cli``): a thin face over the library."""
