"""MQTT ingest (paho-mqtt 2, MQTT 5): fleets that talk MQTT through gateways reach the same store,
with the same validation and the same exactly-once key as `POST /v1/results`.

- A device (or a gateway on its behalf) publishes one batch, the JSON body of `POST /v1/results`,
  to `tinylarge/<device>/results` with QoS 1. The broker authenticates the device and its ACL lets
  it publish to its own topic only. A PUBACK "No matching subscribers" means no aggregator will
  see the message (none subscribed, or the broker restarted and lost the shared subscriptions
  until the aggregators subscribe again): the publisher keeps it and publishes it again.
- Every `aggregator serve --mqtt URL` process subscribes to `$share/<group>/tinylarge/+/results`:
  an MQTT 5 shared subscription, so several processes split one fleet's traffic.
- A message is acknowledged (PUBACK) only after its batch has committed: acknowledgements are
  manual, and a worker stores the messages received so far in ONE transaction (a group commit)
  before acknowledging them in arrival order. A crash before the commit leaves them unacknowledged,
  and the broker delivers them again to the same persistent session when the process comes back;
  the (device, session, seq) key makes the second delivery a no-op. So: exactly once.
- A batch that can never be stored (invalid JSON, a `device` other than the topic's, an unknown or
  revoked device) is acknowledged, counted as rejected, and logged; it is never retried.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from toolchain.aggregator.errors import AggregatorError

TOPIC_PATTERN = "tinylarge/{device}/results"
AGGREGATOR_USER = "tinylarge-aggregator"
DEFAULT_GROUP = "tinylarge-aggregators"
PASSWORD_ENV_VAR = "TINYLARGE_MQTT_PASSWORD"
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600  # a crashed aggregator's undelivered messages wait this long for it
RECEIVE_MAXIMUM = 2000  # unacknowledged messages the broker may have in flight to one aggregator
GROUP_COMMIT_MESSAGES = 200  # at most this many messages per transaction
GROUP_COMMIT_BYTES = 2 * 1024 * 1024  # and at most about this much payload (bounds the transaction's time)
CONNECT_SECONDS = 15
log = logging.getLogger("tinylarge.aggregator.mqtt")


@dataclass(frozen=True)
class MqttSettings:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    ca_file: str | None = None
    client_id: str = ""
    group: str = DEFAULT_GROUP


def parse_mqtt_url(url: str, password: str | None = None, ca_file: str | None = None, client_id: str = "",
                   group: str = DEFAULT_GROUP) -> MqttSettings:
    """`mqtt://[USER@]HOST[:PORT]` (plain, 1883) or `mqtts://[USER@]HOST[:PORT]` (TLS, 8883). The
    password never comes from the URL (argv is visible to every local user)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "mqtts") or not parsed.hostname:
        raise AggregatorError(f"MQTT URL {url!r}: use mqtt://[USER@]HOST[:PORT] or mqtts://...")
    if parsed.password is not None:
        raise AggregatorError(f"put the MQTT password in ${PASSWORD_ENV_VAR} or a password file, not in the URL")
    try:
        port = parsed.port
    except ValueError:
        raise AggregatorError(f"MQTT URL {url!r}: bad port") from None
    tls = parsed.scheme == "mqtts"
    return MqttSettings(host=parsed.hostname, port=port or (8883 if tls else 1883), tls=tls,
                        username=unquote(parsed.username) if parsed.username else None, password=password,
                        ca_file=ca_file, client_id=client_id, group=group)


def new_client(settings: MqttSettings, client_id: str, manual_ack: bool = False):
    """A paho MQTT 5 client with the settings' login and TLS (server certificate checked)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                         manual_ack=manual_ack)
    if settings.username is not None:
        client.username_pw_set(settings.username, settings.password)
    if settings.tls:
        try:
            client.tls_set(ca_certs=settings.ca_file)
        except (OSError, ValueError) as exc:
            raise AggregatorError(f"MQTT TLS: cannot use CA file {settings.ca_file}: {exc}") from None
    client.reconnect_delay_set(min_delay=1, max_delay=5)
    return client


def connect(client, settings: MqttSettings, clean_start: bool, properties=None) -> None:
    """Connect and start the network thread; wait for the broker's CONNACK (one-line error on refusal).
    paho reconnects by itself afterwards."""
    connected, refused = threading.Event(), []

    def on_connect(_client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            refused.append(str(reason_code))
        connected.set()

    client.on_connect = on_connect
    try:
        client.connect(settings.host, settings.port, keepalive=30, clean_start=clean_start, properties=properties)
    except (OSError, ValueError) as exc:
        raise AggregatorError(f"cannot reach the MQTT broker {settings.host}:{settings.port}: {exc}") from None
    client.loop_start()
    if not connected.wait(CONNECT_SECONDS) or refused:
        client.loop_stop()
        client.disconnect()
        if refused:
            raise MqttRefused(f"the MQTT broker {settings.host}:{settings.port} refused the connection: {refused[0]}")
        raise AggregatorError(f"the MQTT broker {settings.host}:{settings.port} did not answer within {CONNECT_SECONDS} s")


class MqttRefused(AggregatorError):
    """The broker answered a publish with a failure reason (e.g. "Not authorized": the ACL)."""


class MqttNotDelivered(AggregatorError):
    """The broker took the publish but no subscription matched it (MQTT 5 PUBACK reason 0x10), so
    no aggregator will ever store it: publish it again later. It happens while no aggregator is
    subscribed, and after a broker restart until the aggregators have subscribed again (Mosquitto
    2.0 does not restore shared subscriptions from its persistence)."""


NO_MATCHING_SUBSCRIBERS = 0x10  # MQTT 5 PUBACK reason code


class MqttPublisher:
    """Publish batches to `tinylarge/<device>/results` with QoS 1 (used by hil.streamer and
    `aggregator gateway`). `publish` returns once the broker acknowledged the message."""

    def __init__(self, settings: MqttSettings, device: str) -> None:
        import uuid

        self.topic = TOPIC_PATTERN.format(device=device)
        self._client = new_client(settings, settings.client_id or f"{device}-{uuid.uuid4().hex[:8]}")
        self._reasons: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._client.on_publish = self._on_publish
        connect(self._client, settings, clean_start=True)

    def _on_publish(self, _client, _userdata, mid, reason_code, _properties) -> None:
        with self._lock:
            self._reasons[mid] = reason_code

    def publish(self, body: bytes, timeout: float) -> None:
        """Raises MqttRefused (the broker refused it), MqttNotDelivered (no aggregator subscribed:
        try again) or TimeoutError (no PUBACK in time: try again; a late copy is harmless, the
        store keeps one row per seq)."""
        info = self._client.publish(self.topic, body, qos=1)  # not connected: paho sends it on reconnection
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if info.mid in self._reasons:
                    reason = self._reasons.pop(info.mid)
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"no PUBACK from the MQTT broker within {timeout} s")
            time.sleep(0.002)
        if reason.is_failure:
            raise MqttRefused(f"the MQTT broker refused the publish to {self.topic}: {reason}")
        if reason.value == NO_MATCHING_SUBSCRIBERS:
            raise MqttNotDelivered(f"no aggregator is subscribed to {self.topic} at the MQTT broker (yet)")

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


class MqttIngest:
    """The subscriber side, run inside `aggregator serve --mqtt`: a paho network thread queues
    messages, one worker thread stores them (group commit) and then acknowledges them."""

    def __init__(self, settings: MqttSettings, store_batches) -> None:
        """`store_batches(messages) -> list[str | None]`: store the batches of these (topic device,
        payload) pairs in one transaction; per message None (stored) or the reason it was rejected.
        Raises (StoreUnavailableError) to have the whole group retried: nothing is acknowledged."""
        self.settings = settings
        self._store_batches = store_batches
        self._queue: queue.Queue = queue.Queue()
        self._generation = 0  # bumped on every (re)connection: acks of an older connection are void
        self._stopping = threading.Event()
        self._counters = {"received": 0, "stored_batches": 0, "rejected": 0, "redelivered": 0}
        self._counters_lock = threading.Lock()
        self._client = None
        self._worker = threading.Thread(target=self._work, name="mqtt-ingest", daemon=True)

    def start(self) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        client_id = self.settings.client_id
        if not client_id:
            raise AggregatorError("--mqtt needs --mqtt-client-id: a stable name per aggregator process, so a "
                                  "restarted process resumes its session and gets its unacknowledged messages")
        self._client = new_client(self.settings, client_id, manual_ack=True)
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self._client.on_message = self._on_message
        connect(self._client, self.settings, clean_start=False, properties=properties)
        self._client.on_connect = self._on_reconnect
        self._subscribe()
        self._worker.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._worker.is_alive():
            self._worker.join(timeout=30)
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()

    def counters(self) -> dict[str, int]:
        with self._counters_lock:
            return dict(self._counters)

    # --- network thread ----------------------------------------------------------------------
    def _subscribe(self) -> None:
        self._client.subscribe(f"$share/{self.settings.group}/{TOPIC_PATTERN.format(device='+')}", qos=1)

    def _on_reconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            log.warning("the MQTT broker refused the reconnection: %s", reason_code)
            return
        self._generation += 1
        self._subscribe()

    def _on_message(self, _client, _userdata, message) -> None:
        self._queue.put((self._generation, message))

    # --- worker thread -----------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                group = [self._queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            size = len(group[0][1].payload)
            while len(group) < GROUP_COMMIT_MESSAGES and size < GROUP_COMMIT_BYTES:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
                size += len(group[-1][1].payload)
            self._store_and_ack(group)

    def _store_and_ack(self, group: list) -> None:
        messages = [(_topic_device(message.topic), message.payload) for _, message in group]
        while True:
            try:
                outcomes = self._store_batches(messages)
                break
            except Exception as exc:  # store down (or a bug): nothing acknowledged, keep the group, try again
                log.warning("MQTT batches wait for the store: %s", exc, exc_info=not isinstance(exc, AggregatorError))
                if self._stopping.wait(1.0):
                    return  # unacknowledged: the broker delivers them again after a restart
        rejected = [reason for reason in outcomes if reason is not None]
        for (_, message), reason in zip(group, outcomes):
            if reason is not None:
                log.warning("MQTT batch on %s rejected: %s", message.topic, reason)
        with self._counters_lock:
            self._counters["received"] += len(group)
            self._counters["stored_batches"] += len(group) - len(rejected)
            self._counters["rejected"] += len(rejected)
            self._counters["redelivered"] += sum(1 for _, message in group if message.dup)
        for generation, message in group:  # in arrival order, as MQTT requires
            if generation == self._generation:  # else the broker resends it on the new connection
                self._client.ack(message.mid, message.qos)


def _topic_device(topic: str) -> str | None:
    parts = topic.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "tinylarge" and parts[2] == "results" else None
