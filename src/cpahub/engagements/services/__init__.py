"""Write operations and rules of the engagements app, one module per topic.

Views, the API and commands call these; none re-implements a rule.
"""
