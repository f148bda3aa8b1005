"""The pipeline's stages, one module each: ingest → clean → dedup → embed → stories → continuity → label, then the
output tables and (nightly) the next state. Each is a ``cluster.stage.Stage``: named tables in, named tables and
counters out; the domain work lives in the library modules they call."""
