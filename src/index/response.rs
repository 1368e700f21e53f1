//! A response read whole: what the client answers with, and what the
//! cached client makes of a stored answer.

use url::Url;

use super::budget::Reservation;
use super::cache::{Answer, CacheHeaders};

/// A response, read whole (a 2xx, or a 304 to a conditional request).
#[derive(Debug)]
pub struct Response {
    /// The URL that answered (after redirects), without credentials.
    pub url: Url,
    /// The status code.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// `Content-Range`, if any.
    pub content_range: Option<String>,
    /// `Location` of a redirect.
    pub location: Option<String>,
    /// The caching-related headers.
    pub cache: CacheHeaders,
    /// The body (at most the cap given; empty when written to a file).
    pub body: Vec<u8>,
    /// The body's share of [`super::budget::BODY_BYTES_IN_FLIGHT`], held as
    /// long as the response (keep it while parsing the body). Never read:
    /// dropping it gives the bytes back.
    #[allow(dead_code)]
    pub reservation: Option<Reservation>,
}

impl Response {
    /// A stored answer and its body as a response; `Err`: its URL does not
    /// parse.
    pub fn from_stored(answer: Answer, body: Vec<u8>) -> Result<Self, String> {
        let url = Url::parse(&answer.url).map_err(|e| e.to_string())?;
        Ok(Self {
            url,
            status: answer.status,
            content_type: answer.content_type,
            content_range: answer.content_range,
            location: None,
            cache: answer.headers,
            body,
            reservation: None,
        })
    }

    /// What the cache keeps of it besides the body.
    pub fn to_stored(&self) -> Answer {
        Answer {
            url: self.url.to_string(),
            status: self.status,
            content_type: self.content_type.clone(),
            content_range: self.content_range.clone(),
            headers: self.cache.clone(),
        }
    }
}
