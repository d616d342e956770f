"""Branch level history (等级历程), plaques, delisting, and the dashboard built on them."""
