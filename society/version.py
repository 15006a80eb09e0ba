"""The package version, in a module of its own: the run layer stamps it into transcripts
without importing the `society` facade (which imports the run layer)."""

__version__ = "0.1.0"
