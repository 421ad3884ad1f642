//! Value types of `config.toml` that serde has no words for: whole seconds,
//! counts that must be 1 or more, a service's URL, a path inside a bucket.
//! Their errors say what is expected in the user's terms ("a whole number
//! of seconds, 0 or more").

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// `Duration` as whole seconds (`session_timeout = 3600`).
pub(super) mod seconds {
    use super::*;

    pub(in crate::config) fn serialize<S: serde::Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.as_secs())
    }

    pub(in crate::config) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        deserializer
            .deserialize_any(Whole::<u64>::new("a whole number of seconds, 0 or more", 0))
            .map(Duration::from_secs)
    }
}

/// The checkpoint period (`checkpoint_seconds = 5`): whole seconds from 1
/// to 3600. Never 0, which would write streaming text as often as the
/// checkpointer ticks without saying so; at most an hour, past which a
/// killed server would lose most of a long reply.
pub(super) mod checkpoint_period {
    use super::*;

    /// What the key takes, in the user's terms.
    const EXPECTED: &str = "a whole number of seconds from 1 to 3600";

    /// Written as [`super::seconds`] writes it.
    pub(in crate::config) use super::seconds::serialize;

    pub(in crate::config) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        deserializer
            .deserialize_any(Whole::<u64>::new(EXPECTED, 1).at_most(3600))
            .map(Duration::from_secs)
    }
}

/// A count of 1 or more.
pub(super) fn positive<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    deserializer.deserialize_any(Whole::<T>::new("a whole number, 1 or more", 1))
}

/// Audio samples per second, 8000 to 48000 (what browsers resample to
/// without trouble, and what speech models take).
pub(super) fn sample_rate<'de, D>(deserializer: D) -> Result<u32, D::Error>
where
    D: Deserializer<'de>,
{
    const EXPECTED: &str = "a sample rate from 8000 to 48000 (samples per second)";
    deserializer.deserialize_any(Whole::<u32>::new(EXPECTED, 8_000).at_most(48_000))
}

/// An optional count of 1 or more (absent means "keep the app's value").
pub(super) fn positive_opt<'de, D>(deserializer: D) -> Result<Option<usize>, D::Error>
where
    D: Deserializer<'de>,
{
    positive(deserializer).map(Some)
}

/// A service's base URL: https://, or http:// on loopback only (the bytes
/// would cross the network unencrypted). Blank means unset.
pub(super) fn endpoint<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let text = text.trim().trim_end_matches('/');
    if text.is_empty() {
        return Ok(None);
    }
    let url = url::Url::parse(text).map_err(|e| {
        de::Error::custom(format!("expected an https:// URL, found {text:?} ({e})"))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(Some(text.to_string())),
        "http" if loopback => Ok(Some(text.to_string())),
        "http" => Err(de::Error::custom(format!(
            "http:// is only accepted on loopback (127.0.0.1, [::1], localhost), \
             found {text:?}: use https://"
        ))),
        _ => Err(de::Error::custom(format!(
            "expected an https:// URL, found {text:?}"
        ))),
    }
}

/// A path inside a bucket: segments of letters, digits, `-`, `_` and `.`
/// (not `.` or `..` alone) separated by `/`; slashes around it are
/// dropped, and blank means unset.
pub(super) fn key_prefix<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let path = text.trim().trim_matches('/');
    if path.is_empty() {
        return Ok(None);
    }
    let good = |segment: &str| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    if path.split('/').all(good) {
        Ok(Some(path.to_string()))
    } else {
        Err(de::Error::custom(format!(
            "expected a path such as \"chat/prod\" (letters, digits, `-`, `_` and `.` \
             between slashes), found {text:?}"
        )))
    }
}

/// Takes an integer from `min` to `max` that fits `T`.
struct Whole<T> {
    expected: &'static str,
    min: u64,
    max: u64,
    target: PhantomData<T>,
}

impl<T> Whole<T> {
    fn new(expected: &'static str, min: u64) -> Self {
        Whole {
            expected,
            min,
            max: u64::MAX,
            target: PhantomData,
        }
    }

    /// The same, refusing what is over `max`.
    fn at_most(self, max: u64) -> Self {
        Whole { max, ..self }
    }
}

impl<T: TryFrom<u64>> Visitor<'_> for Whole<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        if value < self.min || value > self.max {
            return Err(E::invalid_value(de::Unexpected::Unsigned(value), &self));
        }
        T::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(value), &self)),
        }
    }
}
