"""django-q2 entry points: load by id, call a service, nothing else.

Task functions take literal arguments only (ids and strings): schedules store their arguments
as text and django-q2 reads them back with ``literal_eval``.
"""
