"""Pages that draw on several domains (the platform-wide search): no domain imports them."""
