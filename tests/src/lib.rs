//! Helpers for bufpress's integration tests: a counting global allocator and a small
//! deterministic random generator.
//!
//! A test binary installs the allocator itself:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: bufpress_tests::counting::CountingAlloc = bufpress_tests::counting::CountingAlloc;
//! ```

pub mod counting;
pub mod rng;
