"""The offline demo: sample feeds served from loopback, and a ready subscription."""
