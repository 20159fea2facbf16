"""wirewatch: streaming news monitoring (feeds -> Kafka -> Faust -> search index and alerts)."""

__version__ = "0.1.0"
