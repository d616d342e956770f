"""Model sites (观摩点选树, G8)."""
