"""Database routing: the Dataverse emulator lives in a database of its own."""

EMULATOR_APP = "emulator"
EMULATOR_DB = "dataverse"


class EmulatorRouter:
    """Send the emulator's models to the ``dataverse`` alias and everything else to ``default``."""

    def db_for_read(self, model, **hints):
        return EMULATOR_DB if model._meta.app_label == EMULATOR_APP else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        same_side = (obj1._meta.app_label == EMULATOR_APP) == (obj2._meta.app_label == EMULATOR_APP)
        return same_side or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == EMULATOR_APP:
            return db == EMULATOR_DB
        return db != EMULATOR_DB
