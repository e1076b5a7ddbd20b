"""``manage.py sync_bench``: how fast Tandem synchronizes, measured end to end.

The benchmark builds its own installations in throw-away databases and talks to the Dataverse
emulator over real HTTP on loopback, so nothing it does touches the project's own data:

- ``databases``: throw-away SQLite files, or throw-away PostgreSQL databases when
  ``DATABASE_URL`` points at PostgreSQL;
- ``processes``: the emulator subprocess and the ERP installations ("sites"), each measured
  step run in a process of its own so that its peak memory is its own;
- ``child`` and ``steps``: what runs inside those processes;
- ``naive`` and ``ceiling``: the two yardsticks, one request per record as Business Central
  does, and raw bulk creates with no engine in front;
- ``runner``: the phases, size by size; ``report``: the targets, the table and the JSON.
"""
