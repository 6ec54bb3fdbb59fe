/work/main/examples/kernel/target/release/deps/bufpress_kernel-1df22c092ebe7b3a.d: src/main.rs src/../images/image.bin.gz src/../images/image.bin.lz4

/work/main/examples/kernel/target/release/deps/bufpress_kernel-1df22c092ebe7b3a: src/main.rs src/../images/image.bin.gz src/../images/image.bin.lz4

src/main.rs:
src/../images/image.bin.gz:
src/../images/image.bin.lz4:
