//! Picks the free list's pop once per target (`core/src/pool/head.rs` has the table):
//! emits `bufpress_head = "cas" | "llsc" | "llsc_emulated" | "cs"`, and
//! `bufpress_narrow_tag` plus the env var `BUFPRESS_TAG_BITS` under
//! `--cfg bufpress_tag_bits="N"` (tests only: a tag that wraps after 2^N updates);
//! and `bufpress_std` for feature `std` on a target that has std.

use std::env;

fn main() {
    println!(
        "cargo::rustc-check-cfg=cfg(bufpress_head, values(\"cas\", \"llsc\", \"llsc_emulated\", \"cs\"))"
    );
    println!("cargo::rustc-check-cfg=cfg(bufpress_narrow_tag)");
    println!("cargo::rustc-check-cfg=cfg(bufpress_std)");

    // Feature `std` links std where the target has one: on bare metal (`target_os =
    // "none"`) it does nothing, so `--all-features` still builds for thumbv7em (CI,
    // docs.rs).
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if env::var_os("CARGO_FEATURE_STD").is_some() && os != "none" {
        println!("cargo::rustc-cfg=bufpress_std");
    }
    println!("cargo::rerun-if-changed=build.rs");

    let target = env::var("TARGET").unwrap_or_default();
    let has_cfg = |name: &str| env::var_os(format!("CARGO_CFG_{name}")).is_some();
    let has_atomic_64 = env::var("CARGO_CFG_TARGET_HAS_ATOMIC")
        .is_ok_and(|widths| widths.split(',').any(|w| w == "64"));
    // ARMv7-M and ARMv8-M mainline: LDREX/STREX, and exception entry and return clear
    // the local monitor (the argument in `pool/head/llsc.rs`).
    let arm_llsc = ["thumbv7m-", "thumbv7em-", "thumbv8m.main-"]
        .iter()
        .any(|prefix| target.starts_with(prefix));
    let head = if arm_llsc {
        "llsc"
    } else if has_cfg("BUFPRESS_HEAD32") {
        // The host build of the LL/SC pop, with the exclusive monitor emulated.
        "llsc_emulated"
    } else if has_cfg("BUFPRESS_HEAD32_CS") || !has_atomic_64 {
        "cs"
    } else {
        "cas"
    };
    println!("cargo::rustc-cfg=bufpress_head=\"{head}\"");

    if let Ok(bits) = env::var("CARGO_CFG_BUFPRESS_TAG_BITS") {
        let bits = bits.trim_matches('"');
        match bits.parse::<u32>() {
            Ok(n @ 1..=16) => {
                println!("cargo::rustc-cfg=bufpress_narrow_tag");
                println!("cargo::rustc-env=BUFPRESS_TAG_BITS={n}");
            }
            _ => panic!("--cfg bufpress_tag_bits=\"N\" takes N from 1 to 16, not {bits:?}"),
        }
    }
}
