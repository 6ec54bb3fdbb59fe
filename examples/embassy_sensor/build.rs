//! On Linux hosts the program brings its own `_start` (no C runtime start files) and
//! links the C library only for `memcpy` and friends, which `core` calls.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-link-arg-bins=-nostartfiles");
        println!("cargo:rustc-link-arg-bins=-lc");
    }
    if os == "none" && std::env::var_os("CARGO_FEATURE_QEMU").is_some() {
        // The MPS2-AN386 memory map and sections of the bare program.
        let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        println!("cargo:rustc-link-search={dir}/../bare");
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
        println!("cargo:rerun-if-changed=../bare/link.x");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
