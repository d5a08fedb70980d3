"""Running the service: health and readiness checks, Prometheus metrics at scrape time, the probe endpoints."""
