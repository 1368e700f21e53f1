//! Wheels: PEP 427 file names and the METADATA inside.

pub mod filename;
pub mod metadata;
pub mod tail;

pub use crate::requirement::{RequirementParser, RequiresDist};
pub use filename::{WheelFilename, WheelFilenameError};
pub use metadata::{
    parse_metadata, parse_metadata_keeping, parse_metadata_with, read_metadata, read_metadata_with,
    read_wheel_file, Keep, MetadataError, WheelMetadata, MAX_CENTRAL_DIRECTORY, MAX_ZIP_ENTRIES,
    METADATA_CAP,
};
