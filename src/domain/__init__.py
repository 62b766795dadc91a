"""Razão's domain core: assets, accounts, transfers and the rules that keep the books balanced.

Standard library only, no I/O and no clock calls (time is passed in), so that PostgreSQL's embedded
Python (PL/Python, Debian's 3.11) can run these modules unchanged. Amounts are integers in minor units.
"""
