//! The integration tests, one test binary (one link, one process to run):
//! each module tests one behaviour through the public API, most through the
//! C ABI; [`common`] is what they share. What must not happen in this
//! process, which every test shares (setting environment variables,
//! measuring a call's peak RSS), runs in a child process
//! ([`common::child`]).

mod common;

mod bad_inputs;
mod build_graph;
mod cancel_and_budget;
mod config_errors;
mod constraints;
mod fuzz_regressions;
mod hostile_sdists;
mod index_adversarial;
mod index_connections;
mod index_protocol;
mod index_pypiserver_devpi;
mod index_tls;
mod index_transport;
mod known_failures;
mod native_static_libs;
mod overrides;
mod parity_cases;
mod parser_properties;
mod plan_behaviour;
mod requirements_files;
mod requires_python_and_fetch;
mod simple_api_properties;
mod supported_tags;
