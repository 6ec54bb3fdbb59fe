//! Helpers for bufpress's integration tests and benchmarks: the reference
//! command-line tools for interop tests ([`tools`]), a streaming driver ([`stream`]),
//! test decoders ([`decoders`]),
//! and, from `bufpress-support`, the test data ([`corpus`]), its generator ([`rng`])
//! and the counting global allocator ([`counting`]).
//!
//! A test binary installs the allocator itself:
//!
//! ```text
//! #[global_allocator]
//! static ALLOC: bufpress_tests::counting::CountingAlloc = bufpress_tests::counting::CountingAlloc;
//! ```

pub use bufpress_support::{corpus, counting, rng};
pub mod decoders;
pub mod stream;
pub mod tools;

/// The README's examples, run as doc tests here, where both `bufpress` (every feature)
/// and `bufpress-std` are dependencies.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The guide's examples (docs/guide.md).
#[doc = include_str!("../../docs/guide.md")]
#[cfg(doctest)]
pub struct GuideDoctests;

/// The std adapter's README (std-adapter/README.md).
#[doc = include_str!("../../std-adapter/README.md")]
#[cfg(doctest)]
pub struct StdReadmeDoctests;

/// The number of cases for a property test: `default`, or `PROPTEST_CASES` when it is
/// set (proptest reads that variable only for its default configuration). For a longer
/// search than CI's: `PROPTEST_CASES=5000 cargo test --release -p bufpress-tests --test
/// deflate_props`.
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs a future that never waits (over sources and sinks that are always ready), with
/// a no-op waker.
///
/// # Panics
///
/// If the future returns `Pending`.
pub fn now<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let cx = &mut std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(cx) {
        std::task::Poll::Ready(r) => r,
        std::task::Poll::Pending => panic!("the future waited: this runner never wakes it"),
    }
}
