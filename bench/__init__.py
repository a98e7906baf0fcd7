"""The project's benchmarks (`make bench`, `make bench-ingest`, `make loadtest`, `python -m bench.spark`)."""

TZ = "Europe/Warsaw"  # the reporting time zone of every benchmark's lake and server
