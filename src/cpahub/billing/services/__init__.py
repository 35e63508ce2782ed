"""The write operations of billing. Views, the API and commands call these; none re-implements them."""
