"""Getting reads in: the HTTP API, recogniser adapters, MQTT, store-and-forward, image and video ingest."""
