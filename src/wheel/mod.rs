//! Wheels: PEP 427 file names and the METADATA inside.
//!
//! Reading METADATA is layered, each module using only those before it:
//! [`archive`] (the caps, the errors, which entry is METADATA, the zip
//! crate's general reader), [`tail`] (the fast path over the end of the
//! file), [`metadata`] (METADATA's text parsed), and [`read`] (the fast
//! path, else the general one, then the text parsed).

pub mod archive;
pub mod filename;
pub mod metadata;
pub mod read;
mod records;
pub mod tail;

pub use crate::requirement::{RequirementParser, RequiresDist};
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use archive::{MetadataError, MAX_CENTRAL_DIRECTORY, MAX_ZIP_ENTRIES, METADATA_CAP};
pub use filename::{WheelFilename, WheelFilenameError};
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use metadata::{
    parse_metadata, parse_metadata_keeping, parse_metadata_with, Keep, WheelMetadata,
};
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use read::{read_metadata, read_metadata_with, read_wheel_file};
