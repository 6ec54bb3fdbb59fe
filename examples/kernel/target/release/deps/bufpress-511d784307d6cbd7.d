/work/main/examples/kernel/target/release/deps/bufpress-511d784307d6cbd7.d: /work/main/core/src/lib.rs /work/main/core/src/codec/mod.rs /work/main/core/src/codec/deflate/mod.rs /work/main/core/src/codec/deflate/crc32.rs /work/main/core/src/codec/deflate/decoder.rs /work/main/core/src/codec/deflate/frame.rs /work/main/core/src/codec/deflate/gzip.rs /work/main/core/src/codec/deflate/inflate.rs /work/main/core/src/codec/deflate/zlib.rs /work/main/core/src/codec/lz4/mod.rs /work/main/core/src/codec/lz4/block.rs /work/main/core/src/codec/lz4/decoder.rs /work/main/core/src/codec/lz4/encoder.rs /work/main/core/src/codec/lz4/frame.rs /work/main/core/src/codec/lz4/oneshot.rs /work/main/core/src/error.rs /work/main/core/src/pool/mod.rs /work/main/core/src/pool/array.rs /work/main/core/src/pool/buf.rs /work/main/core/src/pool/classes.rs /work/main/core/src/pool/freelist.rs /work/main/core/src/pool/handle.rs /work/main/core/src/pool/head.rs /work/main/core/src/pool/head/cas.rs /work/main/core/src/pool/pool_ref.rs /work/main/core/src/pool/region.rs /work/main/core/src/pool/value.rs /work/main/core/src/sync.rs

/work/main/examples/kernel/target/release/deps/libbufpress-511d784307d6cbd7.rlib: /work/main/core/src/lib.rs /work/main/core/src/codec/mod.rs /work/main/core/src/codec/deflate/mod.rs /work/main/core/src/codec/deflate/crc32.rs /work/main/core/src/codec/deflate/decoder.rs /work/main/core/src/codec/deflate/frame.rs /work/main/core/src/codec/deflate/gzip.rs /work/main/core/src/codec/deflate/inflate.rs /work/main/core/src/codec/deflate/zlib.rs /work/main/core/src/codec/lz4/mod.rs /work/main/core/src/codec/lz4/block.rs /work/main/core/src/codec/lz4/decoder.rs /work/main/core/src/codec/lz4/encoder.rs /work/main/core/src/codec/lz4/frame.rs /work/main/core/src/codec/lz4/oneshot.rs /work/main/core/src/error.rs /work/main/core/src/pool/mod.rs /work/main/core/src/pool/array.rs /work/main/core/src/pool/buf.rs /work/main/core/src/pool/classes.rs /work/main/core/src/pool/freelist.rs /work/main/core/src/pool/handle.rs /work/main/core/src/pool/head.rs /work/main/core/src/pool/head/cas.rs /work/main/core/src/pool/pool_ref.rs /work/main/core/src/pool/region.rs /work/main/core/src/pool/value.rs /work/main/core/src/sync.rs

/work/main/examples/kernel/target/release/deps/libbufpress-511d784307d6cbd7.rmeta: /work/main/core/src/lib.rs /work/main/core/src/codec/mod.rs /work/main/core/src/codec/deflate/mod.rs /work/main/core/src/codec/deflate/crc32.rs /work/main/core/src/codec/deflate/decoder.rs /work/main/core/src/codec/deflate/frame.rs /work/main/core/src/codec/deflate/gzip.rs /work/main/core/src/codec/deflate/inflate.rs /work/main/core/src/codec/deflate/zlib.rs /work/main/core/src/codec/lz4/mod.rs /work/main/core/src/codec/lz4/block.rs /work/main/core/src/codec/lz4/decoder.rs /work/main/core/src/codec/lz4/encoder.rs /work/main/core/src/codec/lz4/frame.rs /work/main/core/src/codec/lz4/oneshot.rs /work/main/core/src/error.rs /work/main/core/src/pool/mod.rs /work/main/core/src/pool/array.rs /work/main/core/src/pool/buf.rs /work/main/core/src/pool/classes.rs /work/main/core/src/pool/freelist.rs /work/main/core/src/pool/handle.rs /work/main/core/src/pool/head.rs /work/main/core/src/pool/head/cas.rs /work/main/core/src/pool/pool_ref.rs /work/main/core/src/pool/region.rs /work/main/core/src/pool/value.rs /work/main/core/src/sync.rs

/work/main/core/src/lib.rs:
/work/main/core/src/codec/mod.rs:
/work/main/core/src/codec/deflate/mod.rs:
/work/main/core/src/codec/deflate/crc32.rs:
/work/main/core/src/codec/deflate/decoder.rs:
/work/main/core/src/codec/deflate/frame.rs:
/work/main/core/src/codec/deflate/gzip.rs:
/work/main/core/src/codec/deflate/inflate.rs:
/work/main/core/src/codec/deflate/zlib.rs:
/work/main/core/src/codec/lz4/mod.rs:
/work/main/core/src/codec/lz4/block.rs:
/work/main/core/src/codec/lz4/decoder.rs:
/work/main/core/src/codec/lz4/encoder.rs:
/work/main/core/src/codec/lz4/frame.rs:
/work/main/core/src/codec/lz4/oneshot.rs:
/work/main/core/src/error.rs:
/work/main/core/src/pool/mod.rs:
/work/main/core/src/pool/array.rs:
/work/main/core/src/pool/buf.rs:
/work/main/core/src/pool/classes.rs:
/work/main/core/src/pool/freelist.rs:
/work/main/core/src/pool/handle.rs:
/work/main/core/src/pool/head.rs:
/work/main/core/src/pool/head/cas.rs:
/work/main/core/src/pool/pool_ref.rs:
/work/main/core/src/pool/region.rs:
/work/main/core/src/pool/value.rs:
/work/main/core/src/sync.rs:
