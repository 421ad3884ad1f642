//! Value types of `config.toml` that serde has no words for: whole seconds
//! and counts that must be 1 or more. Their errors say what is expected in
//! the user's terms ("a whole number of seconds, 0 or more").

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};

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

/// A count of 1 or more.
pub(super) fn positive<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    deserializer.deserialize_any(Whole::<T>::new("a whole number, 1 or more", 1))
}

/// An optional count of 1 or more (absent means "keep the app's value").
pub(super) fn positive_opt<'de, D>(deserializer: D) -> Result<Option<usize>, D::Error>
where
    D: Deserializer<'de>,
{
    positive(deserializer).map(Some)
}

/// Takes an integer of at least `min` that fits `T`.
struct Whole<T> {
    expected: &'static str,
    min: u64,
    target: PhantomData<T>,
}

impl<T> Whole<T> {
    fn new(expected: &'static str, min: u64) -> Self {
        Whole {
            expected,
            min,
            target: PhantomData,
        }
    }
}

impl<T: TryFrom<u64>> Visitor<'_> for Whole<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        if value < self.min {
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
