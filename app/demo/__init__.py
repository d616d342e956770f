"""The demonstration enterprise (`flask demo load`): the fictional Hanhai Oilfield's organisations,
people, accounts, roles and level history. It writes through every domain, so it sits at the top,
beside the command line that loads it."""
