//! Wheels: PEP 427 file names and the METADATA inside.

pub mod filename;
pub mod metadata;

pub use filename::{WheelFilename, WheelFilenameError};
pub use metadata::{
    parse_metadata, read_metadata, MetadataError, RequiresDist, WheelMetadata, METADATA_CAP,
};
