"""resultsday: an open-source results platform for vocational and technical qualifications."""

__version__ = "0.1.0"
