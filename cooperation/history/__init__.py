"""Change history of the registry: historical records and the change log read by the API.

Every registry model keeps a history through django-simple-history (declared once,
on ``RegistryModel``); the historical models live in this app (label ``history``)
so that the domain app's own model list stays the registry's. ``ChangeRecord`` is
the change log: one row per historical record, with the field-level diff computed
when the change is made (see ``cooperation.history.recording``).
"""
