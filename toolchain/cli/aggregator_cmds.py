"""`tinylarge aggregator ...`: the LargeML aggregator service, its devices, its exports."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click

DB_HELP = ("database: a SQLite file path, sqlite:///PATH or postgresql://... (default: $TINYLARGE_AGGREGATOR_DB "
           "or .tinylarge/aggregator.db). A URL with a password belongs in --db-file, $TINYLARGE_AGGREGATOR_DB, "
           "PGPASSWORD or ~/.pgpass: argv is visible to every local user (ps)")
DB_FILE_HELP = "read the database URL from the first line of this file (keeps its password out of argv)"


def _db_options(command):
    command = click.option("--db-file", type=click.File("r"), help=DB_FILE_HELP)(command)
    return click.option("--db", help=DB_HELP)(command)


def _db_url(db: str | None, db_file) -> str:
    from urllib.parse import urlparse

    from toolchain.aggregator.store import resolve_db_url

    if db is not None and db_file is not None:
        raise click.UsageError("give --db or --db-file, not both")
    if db_file is not None:
        db = _first_line(db_file)
    elif db and urlparse(db).password:
        click.echo("warning: the password in --db is visible to every local user (ps); pass the URL in "
                   "--db-file or $TINYLARGE_AGGREGATOR_DB, or the password in PGPASSWORD or ~/.pgpass", err=True)
    return resolve_db_url(db, dict(os.environ))


def _first_line(file) -> str:
    line = next((line.strip() for line in file if line.strip()), "")
    if not line:
        raise click.UsageError(f"--db-file {file.name}: the file is empty")
    return line


def _mqtt_options(command):
    command = click.option("--mqtt-password-file", type=click.File("r"),
                           help="MQTT password (default: $TINYLARGE_MQTT_PASSWORD; never on the command line)")(command)
    return click.option("--mqtt-ca", type=click.Path(dir_okay=False, exists=True),
                        help="CA certificate of the broker (mqtts://; default: the system CAs)")(command)


@click.group("aggregator")
def aggregator() -> None:
    """Collect fleet results, escalate unsure ones to a teacher, export hard examples."""


@aggregator.command("serve")
@_db_options
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
@click.option("--mqtt", "mqtt_url", help="also ingest from this MQTT 5 broker: mqtt[s]://USER@HOST[:PORT]")
@click.option("--mqtt-client-id", default="", help="with --mqtt: a stable id per aggregator process")
@click.option("--mqtt-group", default="tinylarge-aggregators", show_default=True,
              help="with --mqtt: the shared-subscription group (processes in one group split the traffic)")
@_mqtt_options
def serve(db, db_file, host, port, teacher, threshold, max_body_bytes, tail, allowed_hosts, mqtt_url, mqtt_client_id,
          mqtt_group, mqtt_ca, mqtt_password_file) -> None:
    """Run the HTTP service (dashboard at /). The first output line is its URL."""
    from toolchain.aggregator.app import ServiceConfig, allowed_hosts_for, serve as run_service
    from toolchain.aggregator.mqtt import parse_mqtt_url

    mqtt = parse_mqtt_url(mqtt_url, _mqtt_password(mqtt_password_file), mqtt_ca, mqtt_client_id,
                          mqtt_group) if mqtt_url else None
    config = ServiceConfig(db_url=_db_url(db, db_file), teacher_path=teacher, threshold=threshold,
                           max_body_bytes=max_body_bytes, tail_path=tail,
                           allowed_hosts=allowed_hosts_for(host, allowed_hosts), mqtt=mqtt)
    run_service(config, host, port, announce=_announce)


@aggregator.command("gateway")
@click.argument("results", type=click.File("r"), default="-")
@click.option("--mqtt", "mqtt_url", required=True, help="the broker: mqtt[s]://HOST[:PORT]")
@click.option("--device", required=True, help="the device the results come from (its MQTT login)")
@click.option("--session", required=True, help="session name at the aggregator")
@click.option("--spool", type=click.Path(dir_okay=False), default=".tinylarge/gateway-spool.db", show_default=True,
              help="results wait here until the broker acknowledged them")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 5000))
@_mqtt_options
def gateway(results, mqtt_url, device, session, spool, batch_size, mqtt_ca, mqtt_password_file) -> None:
    """Publish RESULTS (JSON lines, one result object each; '-' = stdin) for DEVICE to the broker,
    QoS 1, spooled on disk until acknowledged. The device's password: $TINYLARGE_MQTT_PASSWORD or
    --mqtt-password-file."""
    from hil.streamer import ResultStreamer

    password = _mqtt_password(mqtt_password_file)
    if password is None:
        raise click.UsageError("the device's MQTT password: set $TINYLARGE_MQTT_PASSWORD or --mqtt-password-file")
    count = 0
    with ResultStreamer(mqtt_url, password, device, session, spool, batch_size=batch_size, mqtt_ca=mqtt_ca) as streamer:
        for number, line in enumerate(results, 1):
            if line.strip():
                streamer.send(_json_line(line, number))
                count += 1
        pending = streamer.flush().pending
    click.echo(f"published {count - pending} of {count} results for {device}; still spooled {pending}")


def _json_line(line: str, number: int) -> dict:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise click.UsageError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise click.UsageError(f"line {number}: a result must be a JSON object")
    return value


def _mqtt_password(password_file) -> str | None:
    from toolchain.aggregator.mqtt import PASSWORD_ENV_VAR

    if password_file is not None:
        return password_file.read().strip()
    return os.environ.get(PASSWORD_ENV_VAR)


def _announce(line: str) -> None:
    click.echo(line)
    click.get_text_stream("stdout").flush()  # tests and scripts read the URL through a pipe


@aggregator.command("add-device")
@click.argument("name")
@_db_options
def add_device(name, db, db_file) -> None:
    """Register device NAME; its new API token is the last line of output (shown once, kept hashed)."""
    from toolchain.aggregator.auth import register_device

    token = register_device(_db_url(db, db_file), name)
    click.echo(f"device {name} registered; its token (shown only once):")
    click.echo(token)


@aggregator.command("revoke-device")
@click.argument("name")
@_db_options
def revoke_device(name, db, db_file) -> None:
    """Refuse device NAME's token from now on, in every running service on this store."""
    from toolchain.aggregator.auth import revoke_device as revoke

    revoke(_db_url(db, db_file), name)
    click.echo(f"device {name} revoked: its token is refused from now on")


@aggregator.command("rotate-token")
@click.argument("name")
@_db_options
def rotate_token(name, db, db_file) -> None:
    """Give device NAME a new token (last line of output, shown once); the old one stops working at once."""
    from toolchain.aggregator.auth import rotate_token as rotate

    token = rotate(_db_url(db, db_file), name)
    click.echo(f"device {name} has a new token (shown only once); the old one is refused from now on:")
    click.echo(token)


@aggregator.command("export")
@click.option("--disagreements", is_flag=True, required=True,
              help="export the escalated results where the teacher disagreed with the tiny model")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help=".npz to write")
@_db_options
def export(disagreements, output, db, db_file) -> None:
    """Write hard examples (x = inputs, y = teacher labels) for the next distillation round."""
    from toolchain.aggregator.export import export_disagreements
    from toolchain.aggregator.store import open_store

    store = open_store(_db_url(db, db_file), create=False)
    try:
        summary = export_disagreements(store, output)
    finally:
        store.close()
    click.echo(f"wrote {summary.examples} disagreements ({summary.input_size} input values each) to {summary.path}")


@aggregator.command("stats")
@_db_options
def stats(db, db_file) -> None:
    """Print the fleet figures the service reports at /v1/stats, as JSON."""
    from toolchain.aggregator.store import open_store

    store = open_store(_db_url(db, db_file), create=False)
    try:
        figures = store.stats()
    finally:
        store.close()
    click.echo(json.dumps(figures, indent=2))


COMMANDS = [aggregator]
