"""Offline ERP simulator: receives sales orders, fulfils them and issues invoices (PDF).

A separate process with its state in SQLite, like the Allegro emulator in `emulator/`.
The wire protocol is described in PROTOCOL.md.
"""
