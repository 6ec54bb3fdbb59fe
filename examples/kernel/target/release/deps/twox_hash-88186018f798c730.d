/work/main/examples/kernel/target/release/deps/twox_hash-88186018f798c730.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/xxhash32.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/../README.md

/work/main/examples/kernel/target/release/deps/libtwox_hash-88186018f798c730.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/xxhash32.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/../README.md

/work/main/examples/kernel/target/release/deps/libtwox_hash-88186018f798c730.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/xxhash32.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/../README.md

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/xxhash32.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/twox-hash-2.1.5/src/../README.md:
