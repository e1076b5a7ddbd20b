"""Use cases: what the admin, the commands and the scheduled tasks ask Tandem to do."""
