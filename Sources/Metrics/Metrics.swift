// Metrics placeholder
