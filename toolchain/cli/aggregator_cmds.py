"""`tinylarge aggregator ...`: the LargeML aggregator service, its devices, its exports."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click

DB_HELP = ("database: a SQLite file path, sqlite:///PATH or postgresql://... (default: $TINYLARGE_AGGREGATOR_DB "
           "or .tinylarge/aggregator.db). Keep passwords out of argv: $TINYLARGE_AGGREGATOR_DB, PGPASSWORD or ~/.pgpass")


def _db_url(db: str | None) -> str:
    from urllib.parse import urlparse

    from toolchain.aggregator.store import resolve_db_url

    if db and urlparse(db).password:
        click.echo("warning: the password in --db is visible to every local user (ps); pass the URL in "
                   "$TINYLARGE_AGGREGATOR_DB or the password in PGPASSWORD or ~/.pgpass", err=True)
    return resolve_db_url(db, dict(os.environ))


@click.group("aggregator")
def aggregator() -> None:
    """Collect fleet results, escalate unsure ones to a teacher, export hard examples."""


@aggregator.command("serve")
@click.option("--db", help=DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8700, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port")
@click.option("--teacher", type=click.Path(dir_okay=False), help="float .tflite or Keras .keras/.h5 teacher model")
@click.option("--threshold", default=0.7, show_default=True, type=float,
              help="escalate results whose tiny-model confidence is below this")
@click.option("--max-body-bytes", default=4 * 1024 * 1024, show_default=True, type=click.IntRange(1024),
              help="larger request bodies get 413")
@click.option("--tail", type=click.Path(dir_okay=False),
              help="split computing: tail.tflite from `tinylarge split`; each result's output is the head's "
                   "feature map and is stored as the tail's output")
@click.option("--allowed-host", "allowed_hosts", multiple=True,
              help="also accept requests for this Host name (repeatable; '*' any). Always accepted: "
                   "localhost, 127.0.0.1, [::1] and the --host address")
def serve(db, host, port, teacher, threshold, max_body_bytes, tail, allowed_hosts) -> None:
    """Run the HTTP service (dashboard at /). The first output line is its URL."""
    from toolchain.aggregator.app import ServiceConfig, allowed_hosts_for, serve as run_service

    config = ServiceConfig(db_url=_db_url(db), teacher_path=teacher, threshold=threshold,
                           max_body_bytes=max_body_bytes, tail_path=tail,
                           allowed_hosts=allowed_hosts_for(host, allowed_hosts))
    run_service(config, host, port, announce=_announce)


def _announce(line: str) -> None:
    click.echo(line)
    click.get_text_stream("stdout").flush()  # tests and scripts read the URL through a pipe


@aggregator.command("add-device")
@click.argument("name")
@click.option("--db", help=DB_HELP)
def add_device(name, db) -> None:
    """Register device NAME; its new API token is the last line of output (shown once, kept hashed)."""
    from toolchain.aggregator.auth import register_device

    token = register_device(_db_url(db), name)
    click.echo(f"device {name} registered; its token (shown only once):")
    click.echo(token)


@aggregator.command("revoke-device")
@click.argument("name")
@click.option("--db", help=DB_HELP)
def revoke_device(name, db) -> None:
    """Refuse device NAME's token from now on, in every running service on this store."""
    from toolchain.aggregator.auth import revoke_device as revoke

    revoke(_db_url(db), name)
    click.echo(f"device {name} revoked: its token is refused from now on")


@aggregator.command("rotate-token")
@click.argument("name")
@click.option("--db", help=DB_HELP)
def rotate_token(name, db) -> None:
    """Give device NAME a new token (last line of output, shown once); the old one stops working at once."""
    from toolchain.aggregator.auth import rotate_token as rotate

    token = rotate(_db_url(db), name)
    click.echo(f"device {name} has a new token (shown only once); the old one is refused from now on:")
    click.echo(token)


@aggregator.command("export")
@click.option("--disagreements", is_flag=True, required=True,
              help="export the escalated results where the teacher disagreed with the tiny model")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help=".npz to write")
@click.option("--db", help=DB_HELP)
def export(disagreements, output, db) -> None:
    """Write hard examples (x = inputs, y = teacher labels) for the next distillation round."""
    from toolchain.aggregator.export import export_disagreements
    from toolchain.aggregator.store import open_store

    store = open_store(_db_url(db), create=False)
    try:
        summary = export_disagreements(store, output)
    finally:
        store.close()
    click.echo(f"wrote {summary.examples} disagreements ({summary.input_size} input values each) to {summary.path}")


@aggregator.command("stats")
@click.option("--db", help=DB_HELP)
def stats(db) -> None:
    """Print the fleet figures the service reports at /v1/stats, as JSON."""
    from toolchain.aggregator.store import open_store

    store = open_store(_db_url(db), create=False)
    try:
        figures = store.stats()
    finally:
        store.close()
    click.echo(json.dumps(figures, indent=2))


COMMANDS = [aggregator]
