"""cpahub: the digital platform of a provincial CPA industry."""

from cpahub.celery import app as celery_app

__all__ = ["celery_app"]
