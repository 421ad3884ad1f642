//! Tagged protocol objects — one JSON object whose first key (`type` for a
//! [`ServerEvent`](super::ServerEvent), `kind` for an
//! [`AskKind`](super::AskKind), `input` for a [`FormInput`](super::FormInput),
//! `rule` for a [`FormRule`](super::FormRule)) names the variant and whose
//! other keys are the variant's fields — read and written without serde's
//! internally tagged machinery.
//!
//! Why our own: serde derives an internally tagged enum's `Deserialize` (and
//! any struct with a `#[serde(flatten)]` field, and an `untagged` enum) by
//! first buffering the whole object into its private `Content` tree, since
//! the tag may come anywhere, then reading the variant from that tree. That
//! instantiates every field type's deserializer a second time, for the tree
//! as well as for JSON. In the browser's bundle this second copy of the
//! protocol's deserialization cost 163 KB of raw WASM and 21.3 KB brotli
//! (479.4 → 458.0 KB, `wasm-release` profile, measured 2026-12-07), and
//! every event paid for the buffering. Loquat always writes the tag first
//! (a struct's own fields before a flattened kind), so the reader takes the
//! tag from the first key and hands the rest of the same JSON object to the
//! variant's derived field visitor: one pass, no buffer, and the wire shape
//! is exactly what the derive wrote before.
//!
//! Only the browser reads this way (the module is compiled for `wasm32`,
//! and for its tests). The server derives serde's own impls for the same
//! types, which write the same JSON and read the keys in any order: the
//! server also reads these types from JSON whose key order nobody promised
//! (a thread's stored chat settings, a developer's own files), where an
//! order rule would be a trap. The browser reads them only from frames the
//! server wrote.
//!
//! An enum derives its (externally tagged) impls with
//! `#[serde(remote = "Self")]`, and [`tagged_object!`] gives it `Serialize`
//! and `Deserialize` impls that wrap the serializer or deserializer in
//! [`TagFirstSerializer`] or [`TagFirstDeserializer`], which map a struct,
//! newtype (of a struct) or unit variant to and from the flat object. A
//! struct that flattens such an enum reads its own fields by hand and hands
//! the rest to [`RestOfObject`]. An object whose tag is not where Loquat
//! writes it is refused with an error that says so.

use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::ser::{self, Impossible, SerializeMap};
use serde::{Deserializer, Serializer};

/// Writes an externally tagged struct (or unit) variant as one object with
/// the tag (`tag`, the key naming the variant) first. Everything else is
/// refused.
pub struct TagFirstSerializer<S> {
    pub serializer: S,
    pub tag: &'static str,
}

fn unsupported<E: ser::Error>(what: &str) -> E {
    E::custom(format_args!(
        "a tagged object holds a struct, newtype or unit variant, not {what}"
    ))
}

/// Maps the variant's fields to the entries of the object.
pub struct FlatFields<M>(M);

impl<M: SerializeMap> ser::SerializeStructVariant for FlatFields<M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_field<T: ?Sized + serde::Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.0.serialize_entry(key, value)
    }

    fn end(self) -> Result<Self::Ok, Self::Error> {
        self.0.end()
    }
}

/// The scalars neither serializer takes.
macro_rules! refuse_values {
    () => {
        refuse! {
            serialize_bool(bool) => "a bool";
            serialize_i8(i8) => "a number";
            serialize_i16(i16) => "a number";
            serialize_i32(i32) => "a number";
            serialize_i64(i64) => "a number";
            serialize_u8(u8) => "a number";
            serialize_u16(u16) => "a number";
            serialize_u32(u32) => "a number";
            serialize_u64(u64) => "a number";
            serialize_f32(f32) => "a number";
            serialize_f64(f64) => "a number";
            serialize_char(char) => "a char";
            serialize_str(&str) => "a string";
            serialize_bytes(&[u8]) => "bytes";
            serialize_none() => "an option";
        }

        fn serialize_some<T: ?Sized + serde::Serialize>(
            self,
            _: &T,
        ) -> Result<Self::Ok, Self::Error> {
            Err(unsupported("an option"))
        }
    };
}

/// The sequences neither serializer takes.
macro_rules! refuse_sequences {
    () => {
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
            Err(unsupported("a sequence"))
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
            Err(unsupported("a tuple"))
        }

        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Self::Error> {
            Err(unsupported("a tuple struct"))
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Self::Error> {
            Err(unsupported("a tuple variant"))
        }
    };
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*) => $what:literal;)*) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> {
                Err(unsupported($what))
            }
        )*
    };
}

impl<S: Serializer> Serializer for TagFirstSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Impossible<S::Ok, S::Error>;
    type SerializeStructVariant = FlatFields<S::SerializeMap>;

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        let mut map = self.serializer.serialize_map(Some(len + 1))?;
        map.serialize_entry(self.tag, variant)?;
        Ok(FlatFields(map))
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, Self::Error> {
        let mut map = self.serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.tag, variant)?;
        map.end()
    }

    refuse_values!();

    refuse! {
        serialize_unit() => "a unit";
        serialize_unit_struct(&'static str) => "a unit struct";
    }

    fn serialize_newtype_struct<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(unsupported("a newtype struct"))
    }

    /// A newtype variant holding a struct: the struct's fields follow the
    /// tag in the same object.
    fn serialize_newtype_variant<T: ?Sized + serde::Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let mut map = self.serializer.serialize_map(None)?;
        map.serialize_entry(self.tag, variant)?;
        value.serialize(FlattenInto(&mut map))?;
        map.end()
    }

    refuse_sequences!();

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Err(unsupported("a map"))
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Err(unsupported("a struct"))
    }
}

/// Reads one object whose first key is `tag` as an externally tagged enum:
/// the tag's value picks the variant, the remaining entries are its fields.
pub struct TagFirstDeserializer<D> {
    pub deserializer: D,
    pub tag: &'static str,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for TagFirstDeserializer<D> {
    type Error = D::Error;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.deserializer.deserialize_map(TaggedObject {
            visitor,
            tag: self.tag,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, D::Error> {
        Err(de::Error::custom("a tagged object is read as an enum only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// Visits the object: checks that its first key is the tag, then lets the
/// enum's visitor read the variant from the tag's value.
struct TaggedObject<V> {
    visitor: V,
    tag: &'static str,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TaggedObject<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object whose first key is `{}`", self.tag)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        match map.next_key_seed(TagKey(self.tag))? {
            Some(true) => self.visitor.visit_enum(Variant(map)),
            Some(false) => Err(de::Error::custom(format_args!(
                "`{}` must be the first key",
                self.tag
            ))),
            None => Err(de::Error::missing_field(self.tag)),
        }
    }
}

/// Reads a key and tells whether it is the tag, without allocating.
struct TagKey(&'static str);

impl<'de> DeserializeSeed<'de> for TagKey {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TagKey {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

/// The object after its tag: the tag's value, then the variant's fields.
struct Variant<A>(A);

impl<'de, A: MapAccess<'de>> de::EnumAccess<'de> for Variant<A> {
    type Error = A::Error;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(
        mut self,
        seed: T,
    ) -> Result<(T::Value, Self), A::Error> {
        let variant = self.0.next_value_seed(seed)?;
        Ok((variant, self))
    }
}

impl<'de, A: MapAccess<'de>> de::VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(mut self) -> Result<(), A::Error> {
        while self.0.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        seed.deserialize(MapAccessDeserializer::new(self.0))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, A::Error> {
        Err(de::Error::custom(
            "a tagged object holds a struct, newtype or unit variant",
        ))
    }
}

/// Reads the rest of an object that a hand-written visitor has read up to
/// (and including) the key `tag` as an externally tagged enum: the next
/// value names the variant, the entries after it are the variant's fields.
/// For a struct with a flattened tagged enum (`FormField`, `Ask`), whose own
/// fields come first on the wire.
pub struct RestOfObject<A>(pub A);

impl<'de, A: MapAccess<'de>> Deserializer<'de> for RestOfObject<A> {
    type Error = A::Error;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_enum(Variant(self.0))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("a tagged object is read as an enum only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// Writes a struct's (or map's) entries into an object already open: the
/// fields of a newtype variant's value, after its tag.
struct FlattenInto<'a, M>(&'a mut M);

/// The entries of [`FlattenInto`]'s struct or map.
struct FlatEntries<'a, M>(&'a mut M);

impl<M: SerializeMap> ser::SerializeStruct for FlatEntries<'_, M> {
    type Ok = ();
    type Error = M::Error;

    fn serialize_field<T: ?Sized + serde::Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }

    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}

impl<M: SerializeMap> ser::SerializeMap for FlatEntries<'_, M> {
    type Ok = ();
    type Error = M::Error;

    fn serialize_key<T: ?Sized + serde::Serialize>(&mut self, key: &T) -> Result<(), M::Error> {
        self.0.serialize_key(key)
    }

    fn serialize_value<T: ?Sized + serde::Serialize>(&mut self, value: &T) -> Result<(), M::Error> {
        self.0.serialize_value(value)
    }

    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}

impl<'a, M: SerializeMap> Serializer for FlattenInto<'a, M> {
    type Ok = ();
    type Error = M::Error;
    type SerializeSeq = Impossible<(), M::Error>;
    type SerializeTuple = Impossible<(), M::Error>;
    type SerializeTupleStruct = Impossible<(), M::Error>;
    type SerializeTupleVariant = Impossible<(), M::Error>;
    type SerializeMap = FlatEntries<'a, M>;
    type SerializeStruct = FlatEntries<'a, M>;
    type SerializeStructVariant = Impossible<(), M::Error>;

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, M::Error> {
        Ok(FlatEntries(self.0))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, M::Error> {
        Ok(FlatEntries(self.0))
    }

    fn serialize_unit(self) -> Result<(), M::Error> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), M::Error> {
        Ok(())
    }

    refuse_values!();

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), M::Error> {
        Err(unsupported("a unit variant inside a variant"))
    }

    fn serialize_newtype_struct<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), M::Error> {
        Err(unsupported("a variant inside a variant"))
    }

    refuse_sequences!();

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, M::Error> {
        Err(unsupported("a variant inside a variant"))
    }
}

/// Implements `Serialize` and `Deserialize` for an enum that derives them
/// with `#[serde(remote = "Self")]`, as one object with the tag `$tag`
/// first: `tagged_object!(ServerEvent, "type");`.
macro_rules! tagged_object {
    ($enum:ident, $tag:literal) => {
        impl serde::Serialize for $enum {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $enum::serialize(
                    self,
                    $crate::protocol::tag_first::TagFirstSerializer {
                        serializer,
                        tag: $tag,
                    },
                )
            }
        }

        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $enum::deserialize($crate::protocol::tag_first::TagFirstDeserializer {
                    deserializer,
                    tag: $tag,
                })
            }
        }
    };
}
// Used by the protocol's types in the browser build; the host's tests use
// the macro by its textual scope.
#[cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]
pub(crate) use tagged_object;

#[cfg(test)]
mod tests {
    //! The protocol's types use this module in the browser only (the server
    //! derives serde's impls, which read the keys in any order), so these
    //! tests check it on stand-ins of the same shapes against serde's own
    //! derive: both must write the same JSON and read each other's. The
    //! browser tests read every real event through it.

    use serde::{Deserialize, Serialize};

    use super::RestOfObject;

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Rules {
        accept: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    }

    macro_rules! twins {
        ($ours:ident, $derived:ident, $tag:literal, { $($body:tt)* }) => {
            #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
            #[serde(remote = "Self", rename_all = "snake_case")]
            enum $ours { $($body)* }
            tagged_object!($ours, $tag);

            #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
            #[serde(tag = $tag, rename_all = "snake_case")]
            enum $derived { $($body)* }
        };
    }

    twins!(Event, DerivedEvent, "type", {
        StepDelta {
            id: String,
            delta: String,
            #[serde(default, skip_serializing_if = "std::ops::Not::not")]
            input: bool,
        },
        Files(Rules),
        Ended,
        Nested { kind: Kind, kinds: Vec<Kind> },
    });

    twins!(Kind, DerivedKind, "kind", {
        Text,
        File(Rules),
        Range { min: Option<f64>, max: Option<f64> },
    });

    /// A struct with a flattened kind, read as the browser reads `Ask` and
    /// `FormField`: its own fields, then the kind's tag and fields.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    struct Holder {
        id: String,
        #[serde(flatten)]
        kind: Kind,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct DerivedHolder {
        id: String,
        #[serde(flatten)]
        kind: DerivedKind,
    }

    impl<'de> Deserialize<'de> for Holder {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct HolderVisitor;
            impl<'de> serde::de::Visitor<'de> for HolderVisitor {
                type Value = Holder;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a holder")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Holder, A::Error> {
                    let mut id = None;
                    while let Some(key) = map.next_key::<String>()? {
                        match key.as_str() {
                            "id" => id = Some(map.next_value()?),
                            "kind" => {
                                let kind = Kind::deserialize(RestOfObject(map))?;
                                let id = id.ok_or_else(|| serde::de::Error::missing_field("id"))?;
                                return Ok(Holder { id, kind });
                            }
                            _ => {
                                map.next_value::<serde::de::IgnoredAny>()?;
                            }
                        }
                    }
                    Err(serde::de::Error::missing_field("kind"))
                }
            }
            deserializer.deserialize_map(HolderVisitor)
        }
    }

    fn rules() -> Rules {
        Rules {
            accept: vec![".csv".into()],
            max: Some(2),
        }
    }

    /// Writes both, checks the JSON is the same, reads each with the other.
    fn same<O, D>(ours: O, derived: D) -> String
    where
        O: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
        D: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_string(&ours).expect("ours");
        assert_eq!(json, serde_json::to_string(&derived).expect("derived"));
        assert_eq!(serde_json::from_str::<O>(&json).expect("ours reads"), ours);
        assert_eq!(
            serde_json::from_str::<D>(&json).expect("derived reads"),
            derived
        );
        json
    }

    #[test]
    fn writes_what_serdes_derive_writes_and_reads_it_back() {
        let json = same(
            Event::StepDelta {
                id: "m".into(),
                delta: "Hi".into(),
                input: false,
            },
            DerivedEvent::StepDelta {
                id: "m".into(),
                delta: "Hi".into(),
                input: false,
            },
        );
        assert_eq!(json, r#"{"type":"step_delta","id":"m","delta":"Hi"}"#);
        let json = same(Event::Files(rules()), DerivedEvent::Files(rules()));
        assert_eq!(json, r#"{"type":"files","accept":[".csv"],"max":2}"#);
        assert_eq!(
            same(Event::Ended, DerivedEvent::Ended),
            r#"{"type":"ended"}"#
        );
        same(
            Event::Nested {
                kind: Kind::Range {
                    min: Some(0.0),
                    max: None,
                },
                kinds: vec![Kind::Text, Kind::File(rules())],
            },
            // The twins share their fields' types: ours inside serde's.
            DerivedEvent::Nested {
                kind: Kind::Range {
                    min: Some(0.0),
                    max: None,
                },
                kinds: vec![Kind::Text, Kind::File(rules())],
            },
        );
        for (ours, derived) in [
            (Kind::Text, DerivedKind::Text),
            (Kind::File(rules()), DerivedKind::File(rules())),
            (
                Kind::Range {
                    min: None,
                    max: Some(1.5),
                },
                DerivedKind::Range {
                    min: None,
                    max: Some(1.5),
                },
            ),
        ] {
            let json = same(
                Holder {
                    id: "q".into(),
                    kind: ours,
                },
                DerivedHolder {
                    id: "q".into(),
                    kind: derived,
                },
            );
            assert!(json.starts_with(r#"{"id":"q","kind":"#), "{json}");
        }
    }

    #[test]
    fn an_object_without_its_tag_first_is_refused_with_a_clear_error() {
        let late = serde_json::from_str::<Event>(r#"{"id":"m","type":"step_delta","delta":""}"#)
            .expect_err("tag not first");
        assert!(
            late.to_string().contains("`type` must be the first key"),
            "{late}"
        );
        let none = serde_json::from_str::<Event>("{}").expect_err("no tag");
        assert!(none.to_string().contains("missing field `type`"), "{none}");
        let unknown =
            serde_json::from_str::<Event>(r#"{"type":"nope"}"#).expect_err("unknown variant");
        assert!(
            unknown.to_string().contains("unknown variant `nope`"),
            "{unknown}"
        );
        let missing = serde_json::from_str::<Event>(r#"{"type":"step_delta","id":"m"}"#)
            .expect_err("missing field");
        assert!(
            missing.to_string().contains("missing field `delta`"),
            "{missing}"
        );
        let not_object = serde_json::from_str::<Event>(r#""ended""#).expect_err("a string");
        assert!(
            not_object.to_string().contains("first key is `type`"),
            "{not_object}"
        );
        let no_kind = serde_json::from_str::<Holder>(r#"{"id":"q"}"#).expect_err("no kind");
        assert!(
            no_kind.to_string().contains("missing field `kind`"),
            "{no_kind}"
        );
        let other_keys: Holder =
            serde_json::from_str(r#"{"id":"q","extra":[1],"kind":"text"}"#).expect("holder");
        assert_eq!(other_keys.kind, Kind::Text);
    }
}
