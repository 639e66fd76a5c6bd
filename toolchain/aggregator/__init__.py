"""LargeML aggregator: ingest fleet results, store them (SQLite | PostgreSQL), escalate uncertain
ones to a teacher model, export hard examples, serve a dashboard."""
