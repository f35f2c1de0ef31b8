"""brandguard: a Postfix milter against mail impersonating vendor support."""
__version__ = "0.1.0"
