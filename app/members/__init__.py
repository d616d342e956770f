"""Member management (党员管理): the domain actions of the member procedures — a person's party
status and branch membership, written through identity's dated records."""
