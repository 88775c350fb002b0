"""Backends the site shell plugs into Django and django-tasks: sign-in limits, a cache and a task
queue that keep pages answering when Redis is down."""
