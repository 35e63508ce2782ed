"""Pages of the engagements app, one module per topic."""
