"""The platform-neutral purchasing core: one order record, one hold -> pay -> settle machine,
one cancel and one confirm, bulk pay, and creates with a business key, for every marketplace.

A platform (1688 now, Taobao next) brings a small :class:`~daigou.purchasing.profile.Profile`
(its statuses and their ranks, its message types, its wire view) and its own routes; the life
cycle is written once here. The core imports no platform module (an import contract keeps it
so); platforms register their profiles in the composition root.
"""
