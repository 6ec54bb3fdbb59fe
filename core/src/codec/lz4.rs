//! lz4: the block format (lz4_flex) and the frame format written on top of it.
