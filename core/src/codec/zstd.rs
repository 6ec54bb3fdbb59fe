//! zstd decoding (ruzstd).
