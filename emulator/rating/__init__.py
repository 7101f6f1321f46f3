"""Rating: products, rate cards, contracts and invoices; quantities in, money out. Never imports
aiohttp."""
