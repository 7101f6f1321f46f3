"""The state a tenant starts from: the seeded generator (`seed`), fixture documents in and out
(`documents`), and the choice between them (`initial`); built seeds kept on disk (`seed_cache`),
and the seed built in a child while the server starts (`ahead`). Never imports aiohttp."""
