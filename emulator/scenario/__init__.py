"""The state a tenant starts from: the seeded generator (`seed`), fixture documents in and out
(`documents`), and the choice between them (`initial`). Never imports aiohttp."""
