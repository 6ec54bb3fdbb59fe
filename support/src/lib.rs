//! What bufpress's tests, benchmarks, examples and the CLI's `bench` share, written
//! once: deterministic test data ([`corpus`]), the generator behind it ([`rng`]), and a
//! counting global allocator ([`counting`]). std only, no dependencies.
//!
//! A binary installs the allocator itself:
//!
//! ```text
//! #[global_allocator]
//! static ALLOC: bufpress_support::counting::CountingAlloc = bufpress_support::counting::CountingAlloc;
//! ```

pub mod corpus;
pub mod counting;
pub mod rng;
