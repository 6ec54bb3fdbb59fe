//! deflate, zlib and gzip (miniz_oxide).
