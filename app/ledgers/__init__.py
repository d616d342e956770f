"""The ledgers (台账): views over the records a branch's procedures keep, declared as data in
``ledgers/`` and read by one engine (``table.py``). See ledgers/README.md."""
