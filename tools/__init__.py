"""Project tools run by hand or by tests (not part of the installed package)."""
