"""``plateguard mqtt``: the MQTT door (plateguard JSON and Frigate LPR events), QoS 1, ack after commit.

A message is acknowledged to the broker only after its read was committed, or after it was saved as a
dead letter with its reason (ingest/dead_letters.py) in the same transaction: no message, however
malformed, stops the consumer. While the database is down nothing is acknowledged; the broker keeps the
messages of this persistent session and hands them over again after a restart.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from plateguard.cameras import service as camera_service
from plateguard.config import MqttSettings
from plateguard.database import transaction
from plateguard.errors import InvalidInput, PlateguardError
from plateguard.ingest import dead_letters, service
from plateguard.ingest.body import parse_json
from plateguard.ingest.schemas import ReadSubmission, parse_submission
from plateguard.ingest.vendors import from_frigate

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    mid: int
    qos: int


class MqttCounters:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.messages = Counter(
            "plateguard_mqtt_messages", "MQTT messages by outcome", ["outcome"], registry=registry
        )
        self.rejected = Counter(
            "plateguard_mqtt_rejected", "Malformed MQTT messages by reason", ["reason"], registry=registry
        )
        self.dead_letters = Gauge(
            "plateguard_ingest_dead_letters_waiting",
            "Messages saved as dead letters that no operator replayed or discarded yet",
            registry=registry,
        )


def failure_of(exc: BaseException) -> tuple[str, str | None]:
    """The reason and field a dead letter records; database outages are not a message's fault."""
    if isinstance(exc, OperationalError | InterfaceError):
        raise exc
    if isinstance(exc, PlateguardError):
        return exc.message, exc.field
    logger.exception("unexpected error storing a message")
    return f"could not be stored ({type(exc).__name__}): {str(exc)[:300]}", None


def decode(message: Message, frigate_topics: tuple[str, ...]) -> tuple[str, list[ReadSubmission]]:
    """The camera name and the reads a message carries; InvalidInput when it is malformed."""
    payload = parse_json(message.payload, "payload")
    if any(mqtt.topic_matches_sub(pattern, message.topic) for pattern in frigate_topics):
        return from_frigate(payload)
    camera = message.topic.rsplit("/", 1)[-1]
    if not camera:
        raise InvalidInput("topic: the last level must name the camera", field="topic")
    return camera, parse_submission(payload)


class Consumer:
    """Receives on paho's thread, stores on the caller's thread in batches, acknowledges after commit."""

    def __init__(
        self,
        *,
        settings: MqttSettings,
        factory: sessionmaker[Session],
        images_dir: Path,
        counters: MqttCounters,
        on_stored: service.OnStored | None = None,
        password: str | None = None,
        window: service.CaptureWindow = service.CaptureWindow(),
    ) -> None:
        self.settings, self.factory, self.counters = settings, factory, counters
        self.store = MessageStore(settings.frigate_topics, images_dir, on_stored, window)
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            clean_session=False,
            manual_ack=True,
        )
        if settings.username:
            self.client.username_pw_set(settings.username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.connected = threading.Event()

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            logger.error("MQTT broker refused the connection: %s", reason)
            return
        topics = (*self.settings.read_topics, *self.settings.frigate_topics)
        client.subscribe([(topic, 1) for topic in topics])
        logger.info("subscribed to %s", ", ".join(topics))
        self.connected.set()

    def _on_message(self, _client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        self.inbox.put(Message(message.topic, bytes(message.payload), message.mid, message.qos))

    def run(self, stop: threading.Event) -> None:
        self.client.reconnect_delay_set(1, 30)
        self.client.connect_async(self.settings.host, self.settings.port, keepalive=30)
        self.client.loop_start()
        try:
            while not stop.is_set():
                batch = self._next_batch()
                if batch:
                    self._handle_until_done(batch, stop)
        finally:
            self.client.disconnect()
            self.client.loop_stop()

    def _next_batch(self) -> list[Message]:
        try:
            batch = [self.inbox.get(timeout=0.2)]
        except queue.Empty:
            return []
        while len(batch) < BATCH:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _handle_until_done(self, batch: list[Message], stop: threading.Event) -> None:
        delay = 0.5
        while not stop.is_set():
            try:
                self.handle(batch)
                return
            except (OperationalError, InterfaceError) as exc:
                logger.warning("database unavailable, %d messages wait unacknowledged: %s", len(batch), exc)
                stop.wait(delay)
                delay = min(delay * 2, 30)

    def handle(self, batch: list[Message]) -> None:
        """Store a batch in one transaction, dead letters included; acknowledge only after the commit."""
        rejected: list[tuple[Message, str]] = []
        outcomes: list[str] = []
        with transaction(self.factory, sqlite_writer=True) as session:
            for message in batch:
                try:
                    with session.begin_nested():
                        outcomes.append(self.store(session, message.topic, message.payload))
                except Exception as exc:  # no message may stop the consumer: each is stored or kept
                    reason, field = failure_of(exc)
                    dead_letters.record(
                        session=session,
                        source="mqtt",
                        topic=message.topic,
                        reason=reason,
                        field=field,
                        payload=message.payload,
                    )
                    rejected.append((message, reason))
            waiting = dead_letters.waiting_count(session=session)
        self.counters.dead_letters.set(waiting)
        for outcome in outcomes:
            self.counters.messages.labels(outcome=outcome).inc()
        for message, reason in rejected:
            self._count_rejected(message, reason)
        for message in batch:
            self.client.ack(message.mid, message.qos)

    def _count_rejected(self, message: Message, reason: str) -> None:
        self.counters.messages.labels(outcome="rejected").inc()
        self.counters.rejected.labels(reason=reason.split(":", 1)[0][:40]).inc()
        logger.warning("MQTT message on %s kept as a dead letter: %s", message.topic, reason)


@dataclass(frozen=True)
class MessageStore:
    """How one message is stored, on arrival and on replay of its dead letter."""

    frigate_topics: tuple[str, ...]
    images_dir: Path
    on_stored: service.OnStored | None
    window: service.CaptureWindow

    def __call__(self, session: Session, topic: str, payload: bytes) -> str:
        camera_name, reads = decode(Message(topic, payload, 0, 0), self.frigate_topics)
        if not reads:
            return "ignored"
        camera = camera_service.get_by_name(session=session, name=camera_name)
        if camera is None:
            raise InvalidInput(f"camera: no camera named {camera_name!r}", field="camera")
        result = service.store_batch(
            session=session,
            camera=camera,
            reads=reads,
            images_dir=self.images_dir,
            on_stored=self.on_stored,
            window=self.window,
        )
        if result.updated_ids:
            return "updated"
        return "stored" if result.stored_ids else "duplicate"
