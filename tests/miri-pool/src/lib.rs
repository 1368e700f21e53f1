//! The library's worker pool (`src/pool.rs`) compiled on its own, so that
//! its tests run under Miri (`make test-miri`): the pool's lifetime-extended
//! job bodies, its locks and its threads checked for undefined behaviour
//! and data races without interpreting the library's C dependencies.

#[path = "../../../src/pool.rs"]
pub mod pool;

/// The pool's one seam into the library: what an idle worker calls to give
/// memory back (`crate::memory` in the library, `malloc_trim`, which Miri
/// cannot call). Nothing to give back here.
pub mod memory {
    /// See the library's `memory::trim_if_idle`.
    pub fn trim_if_idle() {}
}
