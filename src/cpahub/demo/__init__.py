"""The demo province (`cpahub demo`): reference data, name generators and the builder.

A plain package, not a Django app: it has no models, only code that fills the other apps' models.
"""
