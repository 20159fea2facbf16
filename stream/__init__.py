"""Stream processing: the Faust app that enriches, indexes, matches and notifies."""
