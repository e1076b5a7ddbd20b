"""Admin pages of the integration app, one module per concept.

Thin by design: pages and actions call services; ``integration.forms`` translates between
pages and models.
"""

from . import connection, couplings, mappings, schedules  # noqa: F401  (registers the ModelAdmins)
