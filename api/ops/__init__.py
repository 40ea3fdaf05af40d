"""Operations: health probes, Prometheus metrics, JSON logs and OpenTelemetry tracing."""
