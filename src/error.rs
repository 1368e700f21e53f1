//! Errors: one `thiserror` enum inside, stable string codes at the edge.
//!
//! Codes are part of the contract (`docs/contract.md` §5): they are
//! never renamed and a retired code is never reused.

use serde::Serialize;

/// One problem with one input (a file, a field, a URL), for `details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDetail {
    /// The file (name relative to `input_dir`), field or URL concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The config field concerned, as a dotted path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong with it.
    pub reason: String,
}

impl ErrorDetail {
    /// A detail about one input file.
    pub fn file(file: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            file: Some(file.into()),
            field: None,
            reason: reason.into(),
        }
    }
}

/// Everything that can make a plan fail.
#[derive(Debug, thiserror::Error)]
pub enum ResolverError {
    /// The config JSON is missing, malformed, or has a bad field.
    #[error("invalid config: {field}: {message}")]
    InvalidConfig { field: String, message: String },

    /// `input_dir` (or another named input path) does not exist or is not a directory.
    #[error("input not found: {path}: {message}")]
    InputNotFound { path: String, message: String },

    /// `input_dir` holds no `*.whl` file (and no requirements were given).
    #[error("no input: {0}")]
    NoInput(String),

    /// One or more input wheels could not be parsed.
    #[error("{message}")]
    InvalidWheel {
        message: String,
        details: Vec<ErrorDetail>,
    },

    /// A package index could not be reached (connection, timeout, 5xx after retries).
    #[error("package index unreachable: {url}: {message}")]
    IndexUnreachable { url: String, message: String },

    /// A package index answered something unusable (malformed body, 401/403).
    #[error("package index error: {url}: {message}")]
    IndexError { url: String, message: String },

    /// An index would be used over plain HTTP or an unverified certificate.
    #[error("insecure package index: {url}: {message}")]
    InsecureIndex { url: String, message: String },

    /// Strict mode: some requirements could not be satisfied.
    #[error("{message}")]
    UnresolvedRequirements {
        message: String,
        details: Vec<ErrorDetail>,
    },

    /// Reading or writing a file failed.
    #[error("i/o error: {path}: {message}")]
    Io { path: String, message: String },

    /// A bug: a panic or a broken invariant.
    #[error("internal error: {0}")]
    Internal(String),

    /// The time budget (`time_budget_ms`) ran out, in whatever stage the
    /// call was (scan, planning, an index request).
    #[error("timeout: {0}")]
    Timeout(String),

    /// The caller cancelled the call (`resolver_cancel`).
    #[error("cancelled: {0}")]
    Cancelled(String),
}

impl ResolverError {
    /// The stable string code of this error (contract §5).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidConfig { .. } => "invalid_config",
            Self::InputNotFound { .. } => "input_not_found",
            Self::NoInput(_) => "no_input",
            Self::InvalidWheel { .. } => "invalid_wheel",
            Self::IndexUnreachable { .. } => "index_unreachable",
            Self::IndexError { .. } => "index_error",
            Self::InsecureIndex { .. } => "insecure_index",
            Self::UnresolvedRequirements { .. } => "unresolved_requirements",
            Self::Io { .. } => "io_error",
            Self::Internal(_) => "internal",
            Self::Timeout(_) => "timeout",
            Self::Cancelled(_) => "cancelled",
        }
    }

    /// Per-item details, where the error has them.
    pub fn details(&self) -> Vec<ErrorDetail> {
        match self {
            Self::InvalidWheel { details, .. } | Self::UnresolvedRequirements { details, .. } => {
                details.clone()
            }
            Self::InvalidConfig { field, message } => vec![ErrorDetail {
                file: None,
                field: Some(field.clone()),
                reason: message.clone(),
            }],
            _ => Vec::new(),
        }
    }

    /// Shorthand for an `invalid_config` error.
    pub fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Shorthand for an `io_error` naming a path.
    pub fn io(path: &std::path::Path, err: &std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            message: err.to_string(),
        }
    }

    /// The error envelope of contract §5.
    pub fn to_envelope(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "code": self.code(),
                "message": self.to_string(),
                "details": self.details(),
            }
        })
    }
}

/// An `index_error` about `url`, shown without its credentials (`****@`).
pub fn index_error(url: &url::Url, message: &str) -> ResolverError {
    ResolverError::IndexError {
        url: crate::redact::redact_url(url.as_str()),
        message: message.to_owned(),
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = ResolverError> = std::result::Result<T, E>;
